package dev.kiln.api.rl;

import dev.kiln.api.objective.StepWorkers;

/**
 * Per-completion advantages from per-completion rewards, completions in groups of G consecutive
 * rows (the G samples of one prompt). Host arithmetic on doubles; standard deviations are the
 * unbiased ones (n − 1), as {@code torch.std} computes them in TRL.
 */
public final class Advantages {
    /** Added to the standard deviation before dividing (TRL's 1e-4). */
    public static final double EPS = 1e-4;

    /** How GRPO scales the centred rewards (TRL's {@code scale_rewards}). */
    public enum Scale {
        /** divide by the group's standard deviation (GRPO) */
        GROUP,
        /** divide by the whole batch's standard deviation */
        BATCH,
        /** do not divide (Dr. GRPO) */
        NONE
    }

    private Advantages() {}

    /** GRPO: r − mean(group), divided by std + {@value #EPS} as {@code scale} says. [N] → [N] */
    public static double[] grpo(double[] rewards, int g, Scale scale) {
        check(rewards, g);
        double[] out = new double[rewards.length];
        // BATCH: the whole global batch's, every data-parallel worker's rewards (TRL gathers them across processes)
        double batchStd = scale == Scale.BATCH ? BatchMoments.of(rewards).std() : 0;
        for (int from = 0; from < rewards.length; from += g) {
            double mean = mean(rewards, from, g);
            double div = switch (scale) {
                case GROUP -> std(rewards, from, g) + EPS;
                case BATCH -> batchStd + EPS;
                case NONE -> 1.0;
            };
            for (int i = from; i < from + g; i++) out[i] = (rewards[i] - mean) / div;
        }
        return out;
    }

    /** RLOO: r_i − mean of the other G − 1 rewards of its group (G ≥ 2). [N] → [N] */
    public static double[] leaveOneOut(double[] rewards, int g) {
        check(rewards, g);
        if (g < 2) throw new IllegalArgumentException("leave-one-out advantages need at least 2 completions per prompt, got " + g);
        double[] out = new double[rewards.length];
        for (int from = 0; from < rewards.length; from += g) {
            double sum = 0;
            for (int i = from; i < from + g; i++) sum += rewards[i];
            for (int i = from; i < from + g; i++) out[i] = rewards[i] - (sum - rewards[i]) / (g - 1);
        }
        return out;
    }

    /**
     * Divides by the batch's standard deviation + {@value #EPS} after centring on its mean (RLOO's {@code normalize_advantages});
     * the whole global batch's, every data-parallel worker's ({@link BatchMoments}).
     */
    public static double[] whiten(double[] advantages) {
        BatchMoments m = BatchMoments.of(advantages);
        double mean = m.mean(), std = m.std();
        double[] out = new double[advantages.length];
        for (int i = 0; i < out.length; i++) out[i] = (advantages[i] - mean) / (std + EPS);
        return out;
    }

    /** The mean over groups of each group's standard deviation (TRL's {@code reward_std}). */
    public static double meanGroupStd(double[] rewards, int g) {
        check(rewards, g);
        double s = 0;
        for (int from = 0; from < rewards.length; from += g) s += std(rewards, from, g);
        return s / (rewards.length / g);
    }

    /** The share of groups whose rewards are all equal (no learning signal; TRL's {@code frac_reward_zero_std}). */
    public static double fracZeroStd(double[] rewards, int g) {
        check(rewards, g);
        int zero = 0;
        for (int from = 0; from < rewards.length; from += g) if (std(rewards, from, g) == 0) zero++;
        return (double) zero / (rewards.length / g);
    }

    static double mean(double[] x, int from, int n) {
        double s = 0;
        for (int i = from; i < from + n; i++) s += x[i];
        return s / n;
    }

    /** Unbiased standard deviation of x[from, from + n) (0 for a single value). */
    static double std(double[] x, int from, int n) {
        if (n < 2) return 0;
        double m = mean(x, from, n), s = 0;
        for (int i = from; i < from + n; i++) s += (x[i] - m) * (x[i] - m);
        return Math.sqrt(s / (n - 1));
    }

    private static void check(double[] rewards, int g) {
        if (g < 1 || rewards.length % g != 0)
            throw new IllegalArgumentException(rewards.length + " rewards do not split into groups of " + g);
    }
}
