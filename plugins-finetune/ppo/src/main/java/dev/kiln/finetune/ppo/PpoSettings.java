package dev.kiln.finetune.ppo;

import dev.kiln.api.completion.CompletionFormat;
import dev.kiln.api.config.Config;
import dev.kiln.api.objective.ObjectiveContext;
import dev.kiln.api.rl.KlController;
import dev.kiln.api.rl.WeightedRewards;

/**
 * The parsed {@code ppo} signal config (TRL's PPOConfig names; keys and defaults in
 * {@link PpoFineTunerFactory}).
 *
 * @param responseLength new tokens at most per completion (TRL's response_length)
 * @param valueModel     a reward model directory the value model starts from (TRL's value_model), or null: a value head on the policy
 */
record PpoSettings(int numPpoEpochs, double cliprange, double cliprangeValue, double vfCoef, double gamma, double lam,
                   boolean whitenRewards, KlController kl, int maxPromptLength, int responseLength, double temperature, int topK,
                   double topP, boolean shuffle, CompletionFormat format, WeightedRewards rewards, java.nio.file.Path valueModel) {

    static PpoSettings fromConfig(Config c, ObjectiveContext context) {
        int epochs = c.getInt("num_ppo_epochs", 4);
        if (epochs < 1) throw c.error("num_ppo_epochs", "must be >= 1, got " + epochs);
        double clip = fraction(c, "cliprange", 0.2), clipValue = positive(c, "cliprange_value", 0.2), vf = positive(c, "vf_coef", 0.1);
        double gamma = unit(c, "gamma", 1.0), lam = unit(c, "lam", 0.95);
        boolean whiten = c.getBoolean("whiten_rewards", false);
        double coef = positive(c, "kl_coef", 0.05);
        KlController kl = KlController.fixed(coef);
        if (c.has("target_kl")) {
            double target = c.getDouble("target_kl", 0);
            if (!(target > 0) || !Double.isFinite(target)) throw c.error("target_kl", "must be > 0 (the adaptive controller's KL target), got " + target);
            double horizon = c.getDouble("horizon", 10000);
            if (!(horizon > 0) || !Double.isFinite(horizon)) throw c.error("horizon", "must be > 0, got " + horizon);
            kl = KlController.adaptive(coef, target, horizon);
        } else if (c.has("horizon")) {
            throw c.error("horizon", "applies to the adaptive KL controller only: give target_kl too");
        }
        int maxPrompt = c.getInt("max_prompt_length", 512);
        if (maxPrompt < 0) throw c.error("max_prompt_length", "must be >= 0 (0 = no limit), got " + maxPrompt);
        int response = c.getInt("response_length", 53);
        if (response < 1) throw c.error("response_length", "must be >= 1, got " + response);
        double temperature = c.getDouble("temperature", 0.7);
        if (!(temperature > 0) || !Double.isFinite(temperature)) throw c.error("temperature", "must be a finite number > 0, got " + temperature);
        int topK = c.getInt("top_k", 0);
        if (topK < 0) throw c.error("top_k", "must be >= 0 (0 = off), got " + topK);
        double topP = c.getDouble("top_p", 1.0);
        if (!(topP > 0 && topP <= 1)) throw c.error("top_p", "must be in (0, 1], got " + topP);
        boolean shuffle = c.getBoolean("shuffle", true);
        CompletionFormat format = CompletionFormat.fromConfig(c, context.chatTemplate());
        WeightedRewards rewards = WeightedRewards.fromConfig(c, "rewards", context.rewards());
        java.nio.file.Path valueModel = c.has("value_model") ? context.models().resolve(c.requireString("value_model")) : null;
        return new PpoSettings(epochs, clip, clipValue, vf, gamma, lam, whiten, kl, maxPrompt, response, temperature, topK, topP, shuffle,
                format, rewards, valueModel);
    }

    private static double positive(Config c, String key, double dflt) {
        double v = c.getDouble(key, dflt);
        if (!(v >= 0) || !Double.isFinite(v)) throw c.error(key, "must be a finite number >= 0, got " + v);
        return v;
    }

    private static double fraction(Config c, String key, double dflt) {
        double v = c.getDouble(key, dflt);
        if (!(v >= 0 && v < 1)) throw c.error(key, "must be in [0, 1), got " + v);
        return v;
    }

    private static double unit(Config c, String key, double dflt) {
        double v = c.getDouble(key, dflt);
        if (!(v >= 0 && v <= 1)) throw c.error(key, "must be in [0, 1], got " + v);
        return v;
    }
}
