package dev.kiln.finetune.reward;

import dev.kiln.api.chat.ChatTemplate;
import dev.kiln.api.completion.CompletionFormat;
import dev.kiln.api.config.Config;

/**
 * The parsed {@code reward} signal config (TRL's RewardConfig names; keys and defaults in
 * {@link RewardFineTunerFactory}).
 *
 * @param centerRewardsCoefficient the weight of the centering term, or null for none (TRL's default)
 * @param maxLength                tokens of prompt + completion kept, or 0: the row width (train.seq_len)
 */
record RewardSettings(Double centerRewardsCoefficient, int maxLength, boolean shuffle, CompletionFormat format) {

    static RewardSettings fromConfig(Config config, ChatTemplate modelTemplate) {
        Double center = null;
        if (config.has("center_rewards_coefficient")) {
            center = config.getDouble("center_rewards_coefficient", 0);
            if (!(center >= 0) || !Double.isFinite(center))
                throw config.error("center_rewards_coefficient", "must be >= 0, got " + center);
        }
        int maxLength = config.getInt("max_length", 0);
        if (maxLength < 0) throw config.error("max_length", "must be >= 0 (0 = the row width, train.seq_len), got " + maxLength);
        boolean shuffle = config.getBoolean("shuffle", true);
        return new RewardSettings(center, maxLength, shuffle, CompletionFormat.fromConfig(config, modelTemplate));
    }
}
