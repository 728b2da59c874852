package dev.kiln.finetune.kto;

import dev.kiln.api.chat.ChatTemplate;
import dev.kiln.api.completion.CompletionFormat;
import dev.kiln.api.config.Config;

/**
 * The parsed {@code kto} signal config (TRL's KTOConfig names; keys and defaults in
 * {@link KtoFineTunerFactory}).
 *
 * @param zeroUnpaired loss_type apo_zero_unpaired (true) or kto (false)
 * @param maxLength    tokens of prompt + completion kept, or 0: the row width (train.seq_len)
 */
record KtoSettings(double beta, boolean zeroUnpaired, double desirableWeight, double undesirableWeight, int maxLength, int maxPromptLength,
                   boolean shuffle, CompletionFormat format) {

    static final String KTO = "kto", APO_ZERO_UNPAIRED = "apo_zero_unpaired";

    /** Whether the loss uses the KL estimate z (kto does; apo_zero_unpaired does not, and TRL skips its forwards). */
    boolean usesKl() { return !zeroUnpaired; }

    String lossType() { return zeroUnpaired ? APO_ZERO_UNPAIRED : KTO; }

    static KtoSettings fromConfig(Config config, ChatTemplate modelTemplate) {
        double beta = config.getDouble("beta", 0.1);
        if (!(beta > 0) || !Double.isFinite(beta)) throw config.error("beta", "must be > 0, got " + beta);
        boolean zero = config.getChoice("loss_type", KTO, KTO, APO_ZERO_UNPAIRED).equals(APO_ZERO_UNPAIRED);
        double desirable = weight(config, "desirable_weight"), undesirable = weight(config, "undesirable_weight");
        int maxLength = nonNegative(config, "max_length", 0), maxPrompt = nonNegative(config, "max_prompt_length", 512);
        boolean shuffle = config.getBoolean("shuffle", true);
        CompletionFormat format = CompletionFormat.fromConfig(config, modelTemplate);
        if (!format.completionOnlyLoss()) throw config.error("completion_only_loss", "must be true for kto: log-probabilities are summed over completions");
        return new KtoSettings(beta, zero, desirable, undesirable, maxLength, maxPrompt, shuffle, format);
    }

    private static double weight(Config config, String key) {
        double w = config.getDouble(key, 1.0);
        if (!(w >= 0) || !Double.isFinite(w)) throw config.error(key, "must be >= 0, got " + w);
        return w;
    }

    private static int nonNegative(Config config, String key, int dflt) {
        int v = config.getInt(key, dflt);
        if (v < 0) throw config.error(key, "must be >= 0 (0 = no limit), got " + v);
        return v;
    }
}
