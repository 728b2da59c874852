package dev.kiln.api.rl;

import dev.kiln.api.completion.CompletionFormat;
import dev.kiln.api.config.Config;
import dev.kiln.api.objective.ObjectiveContext;
import dev.kiln.api.sampling.PolicySampler;

/**
 * What an online-RL signal (grpo, rloo, online_dpo) is configured with; TRL's GRPOConfig / RLOOConfig names.
 * The common keys ({@link #KEYS}) are read here, the method's own (loss_type, scale_rewards,
 * normalize_advantages) by its plugin and passed in.
 *
 * @param method              the signal's name ("grpo"), for messages and metrics
 * @param estimator           how advantages are formed, and where the KL to the reference goes
 * @param numGenerations      G completions sampled per prompt
 * @param numIterations       optimizer steps per rollout (TRL's μ): the later ones train on the kept rollout, the ratio against its log-probabilities
 * @param maxPromptLength     prompt tokens kept (from the end), 0 = no limit
 * @param maxCompletionLength new tokens at most per completion
 * @param temperature         sampling temperature; the loss's log-probabilities use the same (TRL divides the logits by it)
 * @param epsilonHigh         upper clip ε (DAPO's clip-higher); equals {@code epsilon} unless given
 * @param beta                the KL coefficient (0: no reference is built)
 */
public record OnlineSettings(String method, Estimator estimator, int numGenerations, int numIterations, int maxPromptLength, int maxCompletionLength,
                             double temperature, int topK, double topP, double epsilon, double epsilonHigh, double beta,
                             PolicyLoss.Type lossType, Advantages.Scale scale, boolean normalizeAdvantages, boolean shuffle,
                             CompletionFormat format, WeightedRewards rewards) {

    /** The keys every online signal reads (besides the format's {@link CompletionFormat#KEYS}). */
    public static final java.util.List<String> KEYS = java.util.List.of("rewards", "num_generations", "num_iterations", "max_prompt_length",
            "max_completion_length", "temperature", "top_k", "top_p", "epsilon", "epsilon_high", "beta", "shuffle");

    /** The policy's sampler for these settings: greedy at temperature ≈ 0, stopping at {@code eos} (none when negative). */
    public PolicySampler sampler(int eos, int vocab) {
        return new PolicySampler(new PolicySampler.Settings(temperature <= 1e-4, temperature, topK, topP, maxCompletionLength),
                eos < 0 ? new int[0] : new int[] {eos}, vocab);
    }

    /** GRPO: group-centred (and scaled) rewards, k3 KL in the loss; RLOO: leave-one-out, k1 KL summed per completion subtracted from the reward. */
    public enum Estimator { GROUP, LEAVE_ONE_OUT }

    /**
     * Reads the common keys of {@code config} (the caller reads its own and finishes it).
     *
     * @param generations the default of num_generations
     * @param betaDefault the default of beta
     */
    public static OnlineSettings fromConfig(Config config, String method, Estimator estimator, PolicyLoss.Type lossType, Advantages.Scale scale,
                                            boolean normalize, int generations, double betaDefault, ObjectiveContext context) {
        return fromConfig(config, method, estimator, lossType, scale, normalize, generations, betaDefault, 256, 1.0, context);
    }

    /**
     * As above, with the method's own defaults of max_completion_length and temperature (TRL's trainers differ there:
     * GRPOConfig 256 and 1.0, OnlineDPOConfig 64 and 0.9).
     */
    public static OnlineSettings fromConfig(Config config, String method, Estimator estimator, PolicyLoss.Type lossType, Advantages.Scale scale,
                                            boolean normalize, int generations, double betaDefault, int completionDefault,
                                            double temperatureDefault, ObjectiveContext context) {
        int g = config.getInt("num_generations", generations);
        int min = estimator == Estimator.LEAVE_ONE_OUT ? 2 : 1;
        if (g < min) throw config.error("num_generations", "must be >= " + min + (min == 2 ? " (the leave-one-out baseline needs another completion)" : "") + ", got " + g);
        int iterations = config.getInt("num_iterations", 1);
        if (iterations < 1) throw config.error("num_iterations", "must be >= 1, got " + iterations);
        int maxPrompt = config.getInt("max_prompt_length", 512);
        if (maxPrompt < 0) throw config.error("max_prompt_length", "must be >= 0 (0 = no limit), got " + maxPrompt);
        int maxCompletion = config.getInt("max_completion_length", completionDefault);
        if (maxCompletion < 1) throw config.error("max_completion_length", "must be >= 1, got " + maxCompletion);
        double temperature = config.getDouble("temperature", temperatureDefault);
        if (!(temperature > 0) || !Double.isFinite(temperature)) throw config.error("temperature", "must be a finite number > 0, got " + temperature);
        int topK = config.getInt("top_k", 0);
        if (topK < 0) throw config.error("top_k", "must be >= 0 (0 = off), got " + topK);
        double topP = config.getDouble("top_p", 1.0);
        if (!(topP > 0 && topP <= 1)) throw config.error("top_p", "must be in (0, 1], got " + topP);
        double eps = config.getDouble("epsilon", 0.2);
        if (!(eps >= 0 && eps < 1)) throw config.error("epsilon", "must be in [0, 1), got " + eps);
        double epsHigh = config.getDouble("epsilon_high", eps);
        if (!(epsHigh >= 0) || !Double.isFinite(epsHigh)) throw config.error("epsilon_high", "must be a finite number >= 0, got " + epsHigh);
        double beta = config.getDouble("beta", betaDefault);
        if (!(beta >= 0) || !Double.isFinite(beta)) throw config.error("beta", "must be a finite number >= 0, got " + beta);
        boolean shuffle = config.getBoolean("shuffle", true);
        CompletionFormat format = CompletionFormat.fromConfig(config, context.chatTemplate());
        WeightedRewards rewards = WeightedRewards.fromConfig(config, "rewards", context.rewards());
        return new OnlineSettings(method, estimator, g, iterations, maxPrompt, maxCompletion, temperature, topK, topP, eps, epsHigh, beta, lossType, scale,
                normalize, shuffle, format, rewards);
    }
}
