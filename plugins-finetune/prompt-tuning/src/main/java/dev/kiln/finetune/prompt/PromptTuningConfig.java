package dev.kiln.finetune.prompt;

import java.util.Arrays;

/**
 * A parsed {@code prompt-tuning} section (PEFT's {@code PromptTuningConfig}).
 *
 * @param virtualTokens {@code num_virtual_tokens}: N, the soft prompt's length
 * @param init          {@code prompt_tuning_init}: random | text | sample_vocab
 * @param initText      {@code prompt_tuning_init_text} (text init only, else null)
 * @param initTextIds   the init text's token ids (text init only, else null)
 * @param taskType      PEFT's {@code task_type} written to the adapter config, or null
 * @param seed          seeds random and sample_vocab init (the pipeline's seed)
 */
public record PromptTuningConfig(int virtualTokens, String init, String initText, int[] initTextIds, String taskType, long seed) {
    public static final String RANDOM = "random", TEXT = "text", SAMPLE_VOCAB = "sample_vocab";

    public PromptTuningConfig {
        if (virtualTokens < 1) throw new IllegalArgumentException("num_virtual_tokens must be >= 1, got " + virtualTokens);
        if (init.equals(TEXT) && (initTextIds == null || initTextIds.length == 0))
            throw new IllegalArgumentException("prompt_tuning_init 'text' needs the init text's token ids");
    }

    /**
     * The N token ids whose embeddings start the prompt under text init: the text's ids cut to N,
     * or repeated until N and cut (PEFT's rule for texts shorter than the prompt).
     */
    public int[] textInitIds() {
        int[] out = new int[virtualTokens];
        for (int i = 0; i < virtualTokens; i++) out[i] = initTextIds[i % initTextIds.length];
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PromptTuningConfig c && c.virtualTokens == virtualTokens && c.init.equals(init) && c.seed == seed
                && java.util.Objects.equals(c.initText, initText) && Arrays.equals(c.initTextIds, initTextIds)
                && java.util.Objects.equals(c.taskType, taskType);
    }

    @Override
    public int hashCode() { return java.util.Objects.hash(virtualTokens, init, initText, Arrays.hashCode(initTextIds), taskType, seed); }

    @Override
    public String toString() {
        return "prompt-tuning(num_virtual_tokens=" + virtualTokens + ", prompt_tuning_init=" + init
                + (initText == null ? "" : ", prompt_tuning_init_text='" + initText + "'") + (taskType == null ? "" : ", task_type=" + taskType) + ")";
    }
}
