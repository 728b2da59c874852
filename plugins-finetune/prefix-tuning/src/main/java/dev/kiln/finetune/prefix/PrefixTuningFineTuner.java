package dev.kiln.finetune.prefix;

import dev.kiln.api.autograd.GradMode;
import dev.kiln.api.finetune.FineTuner;
import dev.kiln.api.io.DType;
import dev.kiln.api.finetune.TrainableParameters;
import dev.kiln.api.nn.KVCache;
import dev.kiln.api.nn.KeyValuePrefix;
import dev.kiln.api.nn.ModelInput;
import dev.kiln.api.nn.Module;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.ops.Shapes;
import dev.kiln.api.tensor.IntTensor;
import dev.kiln.api.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Prefix tuning as the "what trains" half of a pipeline. {@link #configure} freezes every backbone
 * parameter, attaches a P-row key/value prefix to every self-attention layer
 * ({@code blocks.L.attn.prefix.keys/values} [P, Hkv·D]) initialised per {@code init}, keeps the
 * heads trainable and logs PEFT's trainable-parameter line. A model that already carries a prefix
 * of P rows (a saved prefix-tuned model) keeps training it as it is. {@link #export} writes the
 * prefix alone in PEFT's layout to {@code dir/adapter}; the prefix stays attached, so the saved
 * model records it.
 */
public final class PrefixTuningFineTuner implements FineTuner {
    private static final System.Logger LOG = System.getLogger(PrefixTuningFineTuner.class.getName());

    private PrefixTuningConfig config;
    private Module heads;
    private TrainableParameters report;

    public PrefixTuningFineTuner(PrefixTuningConfig config) { this.config = config; }

    private DType saveDtype = DType.F32;

    /** How {@link #export} stores the adapter's tensors: F32 (default), BF16 or F16, rounded to nearest. */
    public PrefixTuningFineTuner withSaveDtype(DType dtype) {
        this.saveDtype = dtype;
        return this;
    }

    @Override
    public String name() { return PrefixTuningFineTunerFactory.NAME; }

    public PrefixTuningConfig config() { return config; }

    @Override
    public void configure(Transformer model, Module heads) {
        int p = config.virtualTokens(), existing = model.prefixTokens();
        if (existing != 0 && existing != p)
            throw new IllegalStateException("prefix-tuning: the model already has a key/value prefix of " + existing + " tokens; num_virtual_tokens is " + p);
        TransformerConfig shape = model.config();
        if (shape.positions().bounded() && p >= shape.usablePositions())
            throw new IllegalArgumentException("prefix-tuning: num_virtual_tokens " + p + " leaves no room for real tokens within the model's max_seq "
                    + shape.maxSeq() + " (" + shape.positions() + " positions; real tokens are numbered after the prefix, as in PEFT)");
        List<float[]> initial = existing == 0 ? initialKeysAndValues(model) : null;   // from the model as it is, before the prefix
        for (Tensor t : model.parameters()) t.requiresGrad(false);
        if (existing == 0) model.attachPrefix(p);
        List<KeyValuePrefix> prefixes = prefixes(model);
        for (int l = 0; l < prefixes.size(); l++) {
            KeyValuePrefix kv = prefixes.get(l);
            if (initial != null) {
                kv.keys().copyFrom(initial.get(2 * l));
                kv.values().copyFrom(initial.get(2 * l + 1));
            }
            kv.keys().requiresGrad(true);
            kv.values().requiresGrad(true);
        }
        if (heads != null) for (Tensor t : heads.parameters()) t.requiresGrad(true);
        this.heads = heads;
        this.report = TrainableParameters.of(model, heads);
        LOG.log(System.Logger.Level.INFO, "prefix-tuning (" + p + " virtual tokens, "
                + (existing != 0 ? "continuing the model's prefix" : config.init() + " init") + "): " + report);
    }

    /** Continues training the key/value prefix saved in {@code adapterDir}, with its number of virtual tokens. */
    @Override
    public void configureFrom(Path adapterDir, Transformer model, Module heads) throws IOException {
        load(model, adapterDir);
        config = new PrefixTuningConfig(model.prefixTokens(), config.init(), config.taskType(), config.seed());
        configure(model, heads);                                 // finds the loaded prefix and continues it
    }

    /** Every layer's prefix, in block order. */
    static List<KeyValuePrefix> prefixes(Transformer model) {
        List<KeyValuePrefix> out = new ArrayList<>();
        for (var b : model.blocks()) out.add(b.attention().prefix());
        return out;
    }

    /** Starting values per {@code init}: keys of layer l at index 2l, its values at 2l + 1, each [P, Hkv·D]. */
    List<float[]> initialKeysAndValues(Transformer model) {
        TransformerConfig shape = model.config();
        int p = config.virtualTokens(), width = shape.kvHeads() * shape.headDim(), layers = shape.layers();
        Random rng = new Random(config.seed() * 0x9E3779B97F4A7C15L + 29);
        List<float[]> out = new ArrayList<>();
        if (config.init().equals(PrefixTuningConfig.RANDOM)) {
            for (int i = 0; i < 2 * layers; i++) {
                float[] v = new float[p * width];
                for (int j = 0; j < v.length; j++) v[j] = (float) (rng.nextGaussian() * shape.initStd());
                out.add(v);
            }
            return out;
        }
        if (shape.crossAttention())
            throw new IllegalArgumentException("prefix-tuning: init 'sample_vocab' runs the model over sampled tokens, which an encoder-decoder"
                    + " (cross-attention) model cannot do without encoder states; use init: random");
        int softPrompt = model.softPrompt() == null ? 0 : model.softPrompt().tokens();
        boolean positional = shape.positions().bounded();
        if (positional && p + softPrompt > shape.usablePositions())
            throw new IllegalArgumentException("prefix-tuning: init 'sample_vocab' reads num_virtual_tokens = " + p + " sampled tokens"
                    + (softPrompt > 0 ? " (after a " + softPrompt + "-token soft prompt)" : "") + ", more than the model's max_seq "
                    + shape.maxSeq() + (shape.positionOffset() > 0 ? " less position_offset " + shape.positionOffset() : "") + "; use fewer tokens or init: random");
        int[] ids = new int[p];
        for (int i = 0; i < p; i++) ids[i] = rng.nextInt(shape.vocab());
        KVCache cache = new KVCache(layers);
        boolean wasTraining = model.isTraining();
        model.train(false);
        try (var g = GradMode.noGrad()) {
            model.forward(ModelInput.of(new IntTensor(ids, 1, p)).withCache(cache));
            for (int l = 0; l < layers; l++) {
                int cached = cache.keys(l).dim(1);                                   // [1, (soft prompt +) P, Hkv·D]
                out.add(Shapes.slice(cache.keys(l), 1, cached - p, cached).toArray());
                out.add(Shapes.slice(cache.values(l), 1, cached - p, cached).toArray());
            }
        } finally {
            model.train(wasTraining);
        }
        return out;
    }

    /** The trainable-parameter counts taken by the last {@link #configure}, or null before. */
    public TrainableParameters parameterReport() { return report; }

    /** Every layer's prefix keys and values by full parameter name, plus every heads parameter as {@code heads.<name>}. */
    @Override
    public Map<String, Tensor> trainableState(Transformer model) {
        Set<Tensor> prefix = Collections.newSetFromMap(new IdentityHashMap<>());
        if (model.prefixTokens() > 0)
            for (KeyValuePrefix kv : prefixes(model)) {
                prefix.add(kv.keys());
                prefix.add(kv.values());
            }
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (var e : model.namedParameters().entrySet()) if (prefix.contains(e.getValue())) out.put(e.getKey(), e.getValue());
        if (heads != null) {
            Set<Tensor> seen = Collections.newSetFromMap(new IdentityHashMap<>());
            seen.addAll(out.values());
            for (var e : heads.namedParameters().entrySet()) if (seen.add(e.getValue())) out.put("heads." + e.getKey(), e.getValue());
        }
        return out;
    }

    /** Writes the prefix alone in PEFT's layout to {@code dir/adapter}; the prefix stays attached. */
    @Override
    public void export(Transformer model, Path dir) throws IOException {
        PeftPrefixFormat.save(model, config, dir.resolve(PeftPrefixFormat.ADAPTER_DIR), saveDtype);
    }

    /**
     * Attaches the prefix saved in {@code adapterDir} (PEFT's layout, as {@link #export} writes it)
     * to a model without one, in PEFT's inference mode: every backbone parameter, the prefix's
     * included, is frozen afterwards.
     */
    public static void load(Transformer model, Path adapterDir) throws IOException {
        PeftPrefixFormat.load(model, adapterDir);
    }

    @Override
    public String toString() { return config.toString(); }
}
