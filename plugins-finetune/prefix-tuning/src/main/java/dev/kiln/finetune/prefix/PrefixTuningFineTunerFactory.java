package dev.kiln.finetune.prefix;

import dev.kiln.api.config.Config;
import dev.kiln.api.finetune.FineTuner;
import dev.kiln.api.finetune.FineTunerFactory;
import dev.kiln.api.finetune.LoadedAdapter;
import dev.kiln.api.io.DType;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.objective.ObjectiveContext;
import dev.kiln.api.plugin.ApiVersion;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Set;

/**
 * Prefix tuning ("prefix-tuning", role PARAMETERS; Li and Liang 2021): every self-attention layer of
 * a frozen backbone attends to P learned key/value rows before the real tokens; only they and the
 * objective's head train.
 *
 * <p>Config keys (strict), PEFT's {@code PrefixTuningConfig} names where PEFT has one:
 * <ul>
 *   <li>{@code num_virtual_tokens} (20): P;</li>
 *   <li>{@code init} ({@code sample_vocab}): the keys and values the frozen model itself computes
 *       for P vocabulary tokens drawn with the pipeline's seed (real activations, which Li and
 *       Liang found start better than random ones), or {@code random}: N(0, model init std);</li>
 *   <li>{@code prefix_projection} (false): PEFT's reparameterisation MLP is not supported, so
 *       {@code true} is an error;</li>
 *   <li>{@code task_type} (none): PEFT's task type recorded in the exported adapter config.</li>
 *   <li>{@code save_dtype} (f32): how export stores the adapter's tensors: {@code f32}, {@code bf16} or
 *       {@code f16} (rounded to nearest); loading reads any of them.</li>
 * </ul>
 */
public final class PrefixTuningFineTunerFactory implements FineTunerFactory {
    public static final String NAME = "prefix-tuning";
    static final String[] TASK_TYPES = {"SEQ_CLS", "SEQ_2_SEQ_LM", "CAUSAL_LM", "TOKEN_CLS", "QUESTION_ANS", "FEATURE_EXTRACTION"};

    @Override
    public String name() { return NAME; }

    @Override
    public String apiVersion() { return ApiVersion.CURRENT; }

    @Override
    public String description() { return "prefix tuning: P learned key/value rows in every attention layer of a frozen model, plus the task head"; }

    @Override
    public Role role() { return Role.PARAMETERS; }

    @Override
    public FineTuner create(Config config, ObjectiveContext context) {
        int tokens = config.getInt("num_virtual_tokens", 20);
        String init = config.getChoice("init", PrefixTuningConfig.SAMPLE_VOCAB, PrefixTuningConfig.SAMPLE_VOCAB, PrefixTuningConfig.RANDOM);
        boolean projection = config.getBoolean("prefix_projection", false);
        String taskType = config.getChoice("task_type", null, TASK_TYPES);
        String dtype = config.getChoice("save_dtype", "f32", "f32", "bf16", "f16");
        config.finish();
        if (tokens < 1) throw config.error("num_virtual_tokens", "must be >= 1, got " + tokens);
        if (projection)
            throw config.error("prefix_projection", "true (PEFT's reparameterisation MLP over the prefix) is not supported;"
                    + " Kiln trains the per-layer keys and values directly, as prefix_projection: false does");
        return new PrefixTuningFineTuner(new PrefixTuningConfig(tokens, init, taskType, context == null ? 0 : context.seed()))
                .withSaveDtype(DType.valueOf(dtype.toUpperCase(java.util.Locale.ROOT)));
    }

    @Override
    public Set<String> peftTypes() { return Set.of("PREFIX_TUNING"); }

    @Override
    public LoadedAdapter loadAdapter(Transformer model, Path dir, String adapterName) throws IOException {
        PrefixTuningFineTuner.load(model, dir);                 // one prefix per model: the name is not used
        return LoadedAdapter.attached("PREFIX_TUNING");
    }
}
