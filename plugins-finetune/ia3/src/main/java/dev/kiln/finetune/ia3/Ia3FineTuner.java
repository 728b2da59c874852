package dev.kiln.finetune.ia3;

import dev.kiln.api.finetune.FineTuner;
import dev.kiln.api.io.DType;
import dev.kiln.api.finetune.PeftNames;
import dev.kiln.api.finetune.TrainableParameters;
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

/**
 * IA3 as the "what trains" half of a pipeline. {@link #configure} freezes every backbone
 * parameter (other adapters' included), attaches this config's vectors to every targeted Linear,
 * keeps the heads trainable, and records (and logs) PEFT's trainable-parameter line.
 * {@link #trainableState} is the IA3 vectors plus the heads; {@link #export} writes the adapter in
 * PEFT's layout to {@code <dir>/adapter/}, then merges it and detaches it.
 */
public final class Ia3FineTuner implements FineTuner {
    private static final System.Logger LOG = System.getLogger(Ia3FineTuner.class.getName());
    /** Where {@link #export} puts the adapter, under the model directory. */
    public static final String ADAPTER_DIR = "adapter";

    private Ia3Config config;
    private Module heads;
    private TrainableParameters report;

    private final PeftNames names;

    public Ia3FineTuner(Ia3Config config) { this(config, PeftNames.KILN); }

    /** @param names the module names {@link #export} writes */
    public Ia3FineTuner(Ia3Config config, PeftNames names) {
        this.config = config;
        this.names = names;
    }

    private DType saveDtype = DType.F32;

    /** How {@link #export} stores the adapter's tensors: F32 (default), BF16 or F16, rounded to nearest. */
    public Ia3FineTuner withSaveDtype(DType dtype) {
        this.saveDtype = dtype;
        return this;
    }

    @Override
    public String name() { return Ia3FineTunerFactory.NAME; }

    public Ia3Config config() { return config; }

    @Override
    public void configure(Transformer model, Module heads) {
        Ia3.requireTargets(model, config);                  // fail before touching the model when nothing matches
        if (Ia3.adapterNames(model).contains(config.adapterName()))
            throw new IllegalStateException("ia3: the model already has an adapter named '" + config.adapterName() + "'");
        for (Tensor p : model.parameters()) p.requiresGrad(false);
        Ia3.attach(model, config);                          // new vectors register as trainable
        if (heads != null) for (Tensor p : heads.parameters()) p.requiresGrad(true);
        this.heads = heads;
        this.report = TrainableParameters.of(model, heads);
        LOG.log(System.Logger.Level.INFO, "ia3 '" + config.adapterName() + "': " + report);
    }

    /**
     * Continues training the IA3 adapter saved in {@code adapterDir} under this tuner's adapter name,
     * with the targets the directory holds (they replace this tuner's); its scales and the heads
     * trainable, everything else frozen.
     */
    @Override
    public void configureFrom(Path adapterDir, Transformer model, Module heads) throws IOException {
        config = load(model, adapterDir, config.adapterName());
        for (Ia3Layer layer : Ia3.layers(model, config.adapterName()).values()) layer.ia3L().requiresGrad(true);
        if (heads != null) for (Tensor p : heads.parameters()) p.requiresGrad(true);
        this.heads = heads;
        this.report = TrainableParameters.of(model, heads);
        LOG.log(System.Logger.Level.INFO, "ia3 '" + config.adapterName() + "' continued from " + adapterDir + ": " + report);
    }

    /** The counts taken by the last {@link #configure}, or null before. */
    public TrainableParameters parameterReport() { return report; }

    /** This adapter's vectors by full parameter name ({@code <path>.ia3_<adapter>.ia3_l}), plus every heads parameter as {@code heads.<name>}. */
    @Override
    public Map<String, Tensor> trainableState(Transformer model) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        String child = "." + Ia3.childName(config.adapterName()) + ".";
        for (var e : model.namedParameters().entrySet()) if (e.getKey().contains(child)) out.put(e.getKey(), e.getValue());
        if (heads != null) {
            Set<Tensor> seen = Collections.newSetFromMap(new IdentityHashMap<>());
            seen.addAll(out.values());
            for (var e : heads.namedParameters().entrySet()) if (seen.add(e.getValue())) out.put("heads." + e.getKey(), e.getValue());
        }
        return out;
    }

    /** Merges this adapter's scales into the base weights (PEFT's merge_adapter). */
    public void merge(Transformer model) { Ia3.merge(model, config.adapterName()); }

    /** Divides them back out (PEFT's unmerge_adapter); an error if any scale is 0. */
    public void unmerge(Transformer model) { Ia3.unmerge(model, config.adapterName()); }

    /**
     * Writes the adapter alone to {@code <dir>/adapter/} ({@link PeftIa3Format}), then folds it into
     * the base weights and detaches it, so the model saves as a plain Kiln model.
     */
    @Override
    public void export(Transformer model, Path dir) throws IOException {
        PeftIa3Format.save(model, config, names, dir.resolve(ADAPTER_DIR), saveDtype);
        Ia3.mergeAndDetach(model, config.adapterName());
    }

    /** {@link #load(Transformer, Path, String)} under the name {@code default}. */
    public static Ia3Config load(Transformer model, Path dir) throws IOException { return load(model, dir, "default"); }

    /**
     * Re-attaches a saved adapter (frozen, PEFT's inference mode). {@code dir} is the adapter folder
     * itself, or a model directory {@link #export} wrote, whose {@code adapter/} is then used.
     */
    public static Ia3Config load(Transformer model, Path dir, String adapterName) throws IOException {
        Path adapter = !Files.exists(dir.resolve(PeftIa3Format.CONFIG)) && Files.exists(dir.resolve(ADAPTER_DIR).resolve(PeftIa3Format.CONFIG))
                ? dir.resolve(ADAPTER_DIR) : dir;
        return PeftIa3Format.load(model, adapter, adapterName);
    }

    @Override
    public String toString() {
        return "ia3(target_modules=" + config.targetModules() + ", feedforward_modules=" + config.feedforwardModules()
                + ", init_ia3_weights=" + config.initIa3Weights() + ", adapter_name=" + config.adapterName() + ")";
    }
}
