package dev.kiln.api.rl;

/**
 * The coefficient of PPO's per-token KL penalty: fixed, or adaptive as Ziegler et al. (2019) and
 * TRL's {@code AdaptiveKLController}: after each rollout of {@code n} completions with mean KL k,
 * {@code coef *= 1 + clip(k / target − 1, −0.2, 0.2) · n / horizon}.
 */
public final class KlController {
    private final double target, horizon;
    private double value;

    private KlController(double init, double target, double horizon) {
        this.value = init;
        this.target = target;
        this.horizon = horizon;
    }

    public static KlController fixed(double coef) { return new KlController(coef, Double.NaN, Double.NaN); }

    public static KlController adaptive(double init, double target, double horizon) {
        if (!(target > 0) || !(horizon > 0)) throw new IllegalArgumentException("adaptive KL needs target > 0 and horizon > 0, got " + target + ", " + horizon);
        return new KlController(init, target, horizon);
    }

    public double value() { return value; }

    public boolean isAdaptive() { return !Double.isNaN(target); }

    /** Records a rollout's mean KL over {@code n} completions; a fixed controller ignores it. */
    public synchronized void update(double currentKl, int n) {
        if (!isAdaptive()) return;
        double error = Math.max(-0.2, Math.min(0.2, currentKl / target - 1));
        value *= 1 + error * n / horizon;
    }
}
