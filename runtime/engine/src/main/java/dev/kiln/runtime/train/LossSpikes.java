package dev.kiln.runtime.train;

/**
 * Whether training looks sane right now, for choosing which checkpoint to protect: the loss is
 * finite and its moving average (β 0.9) is within {@code factor} × the lowest moving average seen
 * so far. A blow-up (|w| 1e14, loss 1e21) or a spike the run has not recovered from fails it; noise
 * does not. factor ≤ 0: only finiteness counts.
 */
final class LossSpikes {
    private static final double BETA = 0.9;
    private final double factor;
    private double average = Double.NaN, lowest = Double.POSITIVE_INFINITY;
    private boolean finite = true;

    LossSpikes(double factor) {
        this.factor = factor;
    }

    void observe(double loss) {
        finite = Double.isFinite(loss);
        if (!finite) return;
        average = Double.isNaN(average) ? loss : BETA * average + (1 - BETA) * loss;
        lowest = Math.min(lowest, average);
    }

    boolean sane() {
        if (!finite || Double.isNaN(average)) return false;
        return factor <= 0 || average <= factor * Math.max(lowest, 1e-12) || average <= 1e-6;
    }

    double average() { return average; }
}
