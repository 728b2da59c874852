package dev.kiln.finetune.prefix;

/**
 * A parsed {@code prefix-tuning} section (PEFT's {@code PrefixTuningConfig} without the projection).
 *
 * @param virtualTokens {@code num_virtual_tokens}: P, the key/value rows each layer gets
 * @param init          {@code init}: sample_vocab | random
 * @param taskType      PEFT's {@code task_type} written to the adapter config, or null
 * @param seed          seeds the init (the pipeline's seed)
 */
public record PrefixTuningConfig(int virtualTokens, String init, String taskType, long seed) {
    public static final String SAMPLE_VOCAB = "sample_vocab", RANDOM = "random";

    public PrefixTuningConfig {
        if (virtualTokens < 1) throw new IllegalArgumentException("num_virtual_tokens must be >= 1, got " + virtualTokens);
    }

    @Override
    public String toString() {
        return "prefix-tuning(num_virtual_tokens=" + virtualTokens + ", init=" + init + (taskType == null ? "" : ", task_type=" + taskType) + ")";
    }
}
