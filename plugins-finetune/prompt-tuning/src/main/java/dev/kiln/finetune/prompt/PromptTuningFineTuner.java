package dev.kiln.finetune.prompt;

import dev.kiln.api.autograd.GradMode;
import dev.kiln.api.finetune.FineTuner;
import dev.kiln.api.io.DType;
import dev.kiln.api.finetune.TrainableParameters;
import dev.kiln.api.nn.Module;
import dev.kiln.api.nn.SoftPrompt;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.tensor.IntTensor;
import dev.kiln.api.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Prompt tuning as the "what trains" half of a pipeline. {@link #configure} freezes every backbone
 * parameter, attaches an N-token soft prompt ({@code embed.prompt.weight} [N, C]) initialised per
 * {@code prompt_tuning_init}, keeps the heads trainable and logs PEFT's trainable-parameter line.
 * A model that already carries a soft prompt of N tokens (a saved prompt-tuned model) keeps
 * training it as it is. {@link #export} writes the prompt alone in PEFT's layout to
 * {@code dir/adapter}; the prompt stays attached, so the saved model records it.
 */
public final class PromptTuningFineTuner implements FineTuner {
    private static final System.Logger LOG = System.getLogger(PromptTuningFineTuner.class.getName());

    private PromptTuningConfig config;
    private Module heads;
    private TrainableParameters report;

    public PromptTuningFineTuner(PromptTuningConfig config) { this.config = config; }

    private DType saveDtype = DType.F32;

    /** How {@link #export} stores the adapter's tensors: F32 (default), BF16 or F16, rounded to nearest. */
    public PromptTuningFineTuner withSaveDtype(DType dtype) {
        this.saveDtype = dtype;
        return this;
    }

    @Override
    public String name() { return PromptTuningFineTunerFactory.NAME; }

    public PromptTuningConfig config() { return config; }

    @Override
    public void configure(Transformer model, Module heads) {
        int n = config.virtualTokens();
        SoftPrompt existing = model.softPrompt();
        if (existing != null && existing.tokens() != n)
            throw new IllegalStateException("prompt-tuning: the model already has a soft prompt of " + existing.tokens()
                    + " tokens; num_virtual_tokens is " + n);
        TransformerConfig shape = model.config();
        if (shape.positions().bounded() && n >= shape.usablePositions())
            throw new IllegalArgumentException("prompt-tuning: num_virtual_tokens " + n + " leaves no room for real tokens within the model's max_seq "
                    + shape.maxSeq() + (shape.positionOffset() > 0 ? " less position_offset " + shape.positionOffset() : "") + " (" + shape.positions() + " positions)");
        float[] initial = existing == null ? initialPrompt(model) : null;     // read the embeddings before anything changes
        for (Tensor p : model.parameters()) p.requiresGrad(false);
        SoftPrompt prompt = existing != null ? existing : model.attachSoftPrompt(n);
        if (initial != null) prompt.weight().copyFrom(initial);
        prompt.weight().requiresGrad(true);
        if (heads != null) for (Tensor p : heads.parameters()) p.requiresGrad(true);
        this.heads = heads;
        this.report = TrainableParameters.of(model, heads);
        LOG.log(System.Logger.Level.INFO, "prompt-tuning (" + n + " virtual tokens, "
                + (existing != null ? "continuing the model's prompt" : config.init() + " init") + "): " + report);
    }

    /** Continues training the soft prompt saved in {@code adapterDir}, with its number of virtual tokens. */
    @Override
    public void configureFrom(Path adapterDir, Transformer model, Module heads) throws IOException {
        int n = load(model, adapterDir).tokens();
        config = new PromptTuningConfig(n, config.init(), config.initText(), config.initTextIds(), config.taskType(), config.seed());
        configure(model, heads);                                 // finds the loaded prompt and continues it
    }

    /** The prompt's starting values [N, C] per {@code prompt_tuning_init}. */
    float[] initialPrompt(Transformer model) {
        int n = config.virtualTokens(), c = model.config().dModel(), vocab = model.config().vocab();
        Random rng = new Random(config.seed() * 0x9E3779B97F4A7C15L + 17);
        if (config.init().equals(PromptTuningConfig.RANDOM)) {
            float[] v = new float[n * c];
            for (int i = 0; i < v.length; i++) v[i] = (float) (rng.nextGaussian() * model.config().initStd());
            return v;
        }
        int[] ids = new int[n];
        if (config.init().equals(PromptTuningConfig.TEXT)) {
            ids = config.textInitIds();
            for (int id : ids)
                if (id < 0 || id >= vocab)
                    throw new IllegalArgumentException("prompt-tuning: prompt_tuning_init_text has token id " + id + ", outside the model's vocabulary of " + vocab);
        } else {
            for (int i = 0; i < n; i++) ids[i] = rng.nextInt(vocab);
        }
        try (var g = GradMode.noGrad()) {
            return model.embedTokens(new IntTensor(ids, 1, n)).toArray();      // [1, N, C]
        }
    }

    /** The trainable-parameter counts taken by the last {@link #configure}, or null before. */
    public TrainableParameters parameterReport() { return report; }

    /** The soft prompt by its full parameter name, plus every heads parameter as {@code heads.<name>}. */
    @Override
    public Map<String, Tensor> trainableState(Transformer model) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        SoftPrompt prompt = model.softPrompt();
        if (prompt != null)
            for (var e : model.namedParameters().entrySet()) if (e.getValue() == prompt.weight()) out.put(e.getKey(), e.getValue());
        if (heads != null) {
            Set<Tensor> seen = Collections.newSetFromMap(new IdentityHashMap<>());
            seen.addAll(out.values());
            for (var e : heads.namedParameters().entrySet()) if (seen.add(e.getValue())) out.put("heads." + e.getKey(), e.getValue());
        }
        return out;
    }

    /** Writes the prompt alone in PEFT's layout to {@code dir/adapter}; the prompt stays attached. */
    @Override
    public void export(Transformer model, Path dir) throws IOException {
        PeftPromptFormat.save(model, config, dir.resolve(PeftPromptFormat.ADAPTER_DIR), saveDtype);
    }

    /**
     * Attaches the soft prompt saved in {@code adapterDir} (PEFT's layout, as {@link #export} writes
     * it) to a model without one, in PEFT's inference mode: every backbone parameter, the prompt's
     * included, is frozen afterwards.
     */
    public static SoftPrompt load(Transformer model, Path adapterDir) throws IOException {
        return PeftPromptFormat.load(model, adapterDir);
    }

    @Override
    public String toString() { return config.toString(); }
}
