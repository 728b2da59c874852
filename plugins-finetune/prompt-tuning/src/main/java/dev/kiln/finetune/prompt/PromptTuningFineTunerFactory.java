package dev.kiln.finetune.prompt;

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
 * Prompt tuning ("prompt-tuning", role PARAMETERS; Lester et al. 2021): a frozen backbone reads N
 * learned virtual-token embeddings in front of every input; only they and the objective's head train.
 *
 * <p>Config keys (strict), PEFT's {@code PromptTuningConfig} names:
 * <ul>
 *   <li>{@code num_virtual_tokens} (20): N, the prompt's length (it counts against max_seq);</li>
 *   <li>{@code prompt_tuning_init} ({@code sample_vocab}): {@code sample_vocab} copies the embeddings
 *       of N token ids drawn uniformly from the vocabulary with the pipeline's seed; {@code text}
 *       copies those of {@code prompt_tuning_init_text}'s tokens (cut to N, or repeated until N);
 *       {@code random} draws N(0, model init std) (PEFT's nn.Embedding default would be N(0, 1),
 *       far off the scale of token embeddings). PEFT's default is random; sample_vocab is the
 *       better start (Lester et al.) and ours;</li>
 *   <li>{@code prompt_tuning_init_text}: required with, and only allowed with, text init;</li>
 *   <li>{@code task_type} (none): PEFT's task type recorded in the exported adapter config
 *       ({@code SEQ_CLS}, {@code CAUSAL_LM}, ...).</li>
 *   <li>{@code save_dtype} (f32): how export stores the adapter's tensors: {@code f32}, {@code bf16} or
 *       {@code f16} (rounded to nearest); loading reads any of them.</li>
 * </ul>
 */
public final class PromptTuningFineTunerFactory implements FineTunerFactory {
    public static final String NAME = "prompt-tuning";
    static final String[] TASK_TYPES = {"SEQ_CLS", "SEQ_2_SEQ_LM", "CAUSAL_LM", "TOKEN_CLS", "QUESTION_ANS", "FEATURE_EXTRACTION"};

    @Override
    public String name() { return NAME; }

    @Override
    public String apiVersion() { return ApiVersion.CURRENT; }

    @Override
    public String description() { return "prompt tuning: N learned virtual-token embeddings in front of every input of a frozen model, plus the task head"; }

    @Override
    public Role role() { return Role.PARAMETERS; }

    @Override
    public FineTuner create(Config config, ObjectiveContext context) {
        int tokens = config.getInt("num_virtual_tokens", 20);
        String init = config.getChoice("prompt_tuning_init", PromptTuningConfig.SAMPLE_VOCAB,
                PromptTuningConfig.SAMPLE_VOCAB, PromptTuningConfig.TEXT, PromptTuningConfig.RANDOM);
        String text = config.getString("prompt_tuning_init_text", null);
        String taskType = config.getChoice("task_type", null, TASK_TYPES);
        String dtype = config.getChoice("save_dtype", "f32", "f32", "bf16", "f16");
        config.finish();
        if (tokens < 1) throw config.error("num_virtual_tokens", "must be >= 1, got " + tokens);
        int[] textIds = null;
        if (init.equals(PromptTuningConfig.TEXT)) {
            if (text == null || text.isBlank()) throw config.error("prompt_tuning_init_text", "is required when prompt_tuning_init is 'text'");
            if (context == null || context.tokenizer() == null)
                throw config.error("prompt_tuning_init_text", "needs the pipeline's tokenizer to be tokenized, and there is none");
            textIds = context.tokenizer().encode(text);
            if (textIds.length == 0) throw config.error("prompt_tuning_init_text", "encodes to no tokens: '" + text + "'");
        } else if (text != null) {
            throw config.error("prompt_tuning_init_text", "applies only with prompt_tuning_init 'text' (it is '" + init + "')");
        }
        long seed = context == null ? 0 : context.seed();
        return new PromptTuningFineTuner(new PromptTuningConfig(tokens, init, text, textIds, taskType, seed))
                .withSaveDtype(DType.valueOf(dtype.toUpperCase(java.util.Locale.ROOT)));
    }

    @Override
    public Set<String> peftTypes() { return Set.of("PROMPT_TUNING"); }

    @Override
    public LoadedAdapter loadAdapter(Transformer model, Path dir, String adapterName) throws IOException {
        PromptTuningFineTuner.load(model, dir);                 // one soft prompt per model: the name is not used
        return LoadedAdapter.attached("PROMPT_TUNING");
    }
}
