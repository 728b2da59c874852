package dev.kiln.finetune.lora;

import dev.kiln.api.finetune.PeftNames;
import dev.kiln.api.finetune.FineTuner;
import dev.kiln.api.io.DType;
import dev.kiln.api.nn.Block;
import dev.kiln.api.nn.Module;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * LoRA as the "what trains" half of a pipeline. {@link #configure} freezes every backbone
 * parameter (other adapters' included), attaches this config's adapter to every targeted Linear,
 * makes it the active one, keeps the heads trainable, and records (and logs) PEFT's
 * trainable-parameter line. {@link #trainableState} is the adapter's tensors plus the heads.
 * {@link #export} writes the adapter alone in PEFT's layout to {@code <dir>/adapter/} (module
 * names per {@link PeftNames}), then merges it and detaches every LoRA adapter, so the model
 * saves and loads as a plain one.
 */
public final class LoraFineTuner implements FineTuner {
    private static final System.Logger LOG = System.getLogger(LoraFineTuner.class.getName());
    /** Where {@link #export} puts the adapter, under the directory it is given. */
    public static final String ADAPTER_DIR = "adapter";

    private LoraConfig config;
    private final PeftNames names;
    private Module heads;
    private Lora.ParameterReport report;

    public LoraFineTuner(LoraConfig config) { this(config, PeftNames.KILN); }

    /** @param names the module names {@link #save} and {@link #export} write */
    public LoraFineTuner(LoraConfig config, PeftNames names) {
        this.config = config;
        this.names = names;
    }

    private DType saveDtype = DType.F32;
    private QuantizeConfig quantize = QuantizeConfig.NONE;
    private int quantizedWhileLoading;

    /** How {@link #export} stores the adapter's tensors: F32 (default), BF16 or F16, rounded to nearest. */
    public LoraFineTuner withSaveDtype(DType dtype) {
        this.saveDtype = dtype;
        return this;
    }

    /** QLoRA: store the frozen base linears in 4 bits ({@link QuantizeConfig#apply}) when configuring. */
    public LoraFineTuner withQuantize(QuantizeConfig quantize) {
        this.quantize = quantize;
        return this;
    }

    public QuantizeConfig quantize() { return quantize; }

    @Override
    public String name() { return LoraFineTunerFactory.NAME; }

    public LoraConfig config() { return config; }

    public PeftNames peftNames() { return names; }

    @Override
    public void configure(Transformer model, Module heads) {
        var targets = Lora.requireTargets(model, config);  // fail before touching the model when nothing matches
        for (var e : targets.entrySet()) names.parts(e.getKey(), e.getValue().outFeatures(), model.config());  // ... or export could not name a layer
        if (Lora.adapterNames(model).contains(config.adapterName()))
            throw new IllegalStateException("lora: the model already has an adapter named '" + config.adapterName() + "'");
        for (Tensor p : model.parameters()) p.requiresGrad(false);
        quantizeBase(model);
        Lora.attach(model, config);
        Lora.setAdapter(model, config.adapterName());
        if (heads != null) for (Tensor p : heads.parameters()) p.requiresGrad(true);
        this.heads = heads;
        this.report = Lora.report(model, heads);
        LOG.log(System.Logger.Level.INFO, "lora '" + config.adapterName() + "': " + report);
        if (config.targetsEmbedding() && model.config().tieEmbeddings())
            LOG.log(System.Logger.Level.WARNING, "lora: the token embeddings are tied to the LM head, so merging the embedding adapter "
                    + "(export does) changes the LM head's logits too, as in PEFT; heads of their own (classification) are unaffected");
    }

    /**
     * Continues training the LoRA adapter saved in {@code adapterDir}: attached under this tuner's
     * adapter name with the rank, alpha and targets the directory holds (they replace this tuner's),
     * its A and B and the heads trainable, everything else frozen.
     */
    @Override
    public void configureFrom(Path adapterDir, Transformer model, Module heads) throws IOException {
        config = load(model, adapterDir, config.adapterName());
        quantizeBase(model);
        for (LoraLayer layer : Lora.layers(model, config.adapterName()).values()) {
            layer.loraA().requiresGrad(true);
            layer.loraB().requiresGrad(true);
        }
        LoraEmbedding embedding = Lora.embedding(model, config.adapterName());
        if (embedding != null) {
            embedding.loraA().requiresGrad(true);
            embedding.loraB().requiresGrad(true);
        }
        if (heads != null) for (Tensor p : heads.parameters()) p.requiresGrad(true);
        this.heads = heads;
        this.report = Lora.report(model, heads);
        LOG.log(System.Logger.Level.INFO, "lora '" + config.adapterName() + "' continued from " + adapterDir + ": " + report);
    }

    /** QLoRA: each base block's linears frozen and stored in 4 bits as it loads, so the float base is never whole. */
    @Override
    public Consumer<Block> baseBlockHook() {
        if (!quantize.enabled()) return null;
        return block -> {
            for (Tensor p : block.parameters()) p.requiresGrad(false);
            quantizedWhileLoading += quantize.apply(block).size();
        };
    }

    private void quantizeBase(Transformer model) {
        if (!quantize.enabled()) return;
        int n = quantize.apply(model).size();
        LOG.log(System.Logger.Level.INFO, "lora: " + (n + quantizedWhileLoading) + " frozen linear layers stored in 4 bits (" + quantize
                + (quantizedWhileLoading > 0 ? "; " + quantizedWhileLoading + " of them block by block as the base loaded" : "") + ")");
    }

    /** The trainable-parameter counts taken by the last {@link #configure}, or null before. */
    public Lora.ParameterReport parameterReport() { return report; }

    /** PEFT's print_trainable_parameters for the model as it is now (heads from configure). */
    public String printTrainableParameters(Transformer model) {
        String line = Lora.report(model, heads).toString();
        System.out.println(line);
        return line;
    }

    /** This adapter's A and B by full parameter name, plus every heads parameter as {@code heads.<name>}. */
    @Override
    public Map<String, Tensor> trainableState(Transformer model) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        String child = "." + Lora.childName(config.adapterName()) + ".";
        for (var e : model.namedParameters().entrySet()) if (e.getKey().contains(child)) out.put(e.getKey(), e.getValue());
        if (heads != null) {
            Set<Tensor> seen = Collections.newSetFromMap(new IdentityHashMap<>());
            seen.addAll(out.values());
            for (var e : heads.namedParameters().entrySet()) if (seen.add(e.getValue())) out.put("heads." + e.getKey(), e.getValue());
        }
        return out;
    }

    /** Saves this adapter alone in PEFT's layout ({@link PeftFormat}) with this tuner's module names. */
    public void save(Transformer model, Path dir) throws IOException {
        PeftFormat.save(model, config, names, dir, saveDtype);
    }

    /**
     * After training: the adapter alone to {@code <dir>/adapter/}, then PEFT's merge_and_unload
     * (this adapter folded into the base weights, every LoRA adapter detached). Into a 4-bit base the update
     * is merged without decoding it ({@link dev.kiln.api.quant.LowRankMergedWeight}); the model directory then
     * gets the merged floats a tensor at a time, so the saved model is a float one, as PEFT's merge gives.
     */
    @Override
    public void export(Transformer model, Path dir) throws IOException {
        save(model, dir.resolve(ADAPTER_DIR));
        Lora.mergeAndUnload(model, config.adapterName());   // into a 4-bit base without decoding it: saved as floats a tensor at a time
    }

    /** {@link #load(Transformer, Path, String)} under the name {@code default}. */
    public static LoraConfig load(Transformer model, Path dir) throws IOException { return load(model, dir, "default"); }

    /**
     * Attaches a saved adapter (frozen, PEFT's inference mode; any of the {@link PeftNames}).
     * {@code dir} is the adapter folder itself, or a folder {@link #export} wrote, whose
     * {@code adapter/} is then used.
     */
    public static LoraConfig load(Transformer model, Path dir, String adapterName) throws IOException {
        Path adapter = !Files.exists(dir.resolve(PeftFormat.CONFIG)) && Files.exists(dir.resolve(ADAPTER_DIR).resolve(PeftFormat.CONFIG))
                ? dir.resolve(ADAPTER_DIR) : dir;
        return PeftFormat.load(model, adapter, adapterName);
    }

    @Override
    public String toString() {
        return "lora(r=" + config.r() + ", alpha=" + config.alpha() + ", dropout=" + config.dropout() + ", use_rslora=" + config.useRslora()
                + ", target_modules=" + config.targetModules() + ", adapter_name=" + config.adapterName() + ", peft_names=" + names.key()
                + (quantize.enabled() ? ", " + quantize : "") + ")";
    }
}
