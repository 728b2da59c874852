package dev.kiln.runtime.report;

import java.util.Arrays;

/**
 * One curve: values over training steps, in step order, one value per step (a resumed run's
 * repeated steps are already resolved by {@link RunLog}). Values may be NaN (a logged NaN or
 * Infinity); charts leave those out and the extremes ignore them.
 */
public record Series(String name, long[] steps, double[] values) {
    public Series {
        if (steps.length != values.length) throw new IllegalArgumentException(name + ": " + steps.length + " steps, " + values.length + " values");
    }

    public static Series empty(String name) { return new Series(name, new long[0], new double[0]); }

    public int size() { return steps.length; }

    public boolean isEmpty() { return steps.length == 0; }

    /** The smallest finite value, or NaN when there is none. */
    public double min() {
        return Arrays.stream(values).filter(Double::isFinite).min().orElse(Double.NaN);
    }

    /** The largest finite value, or NaN when there is none. */
    public double max() {
        return Arrays.stream(values).filter(Double::isFinite).max().orElse(Double.NaN);
    }

    /** The value at the last step, or NaN. */
    public double last() { return values.length == 0 ? Double.NaN : values[values.length - 1]; }

    /**
     * TensorBoard's smoothing: an exponential moving average with {@code weight} on the past,
     * debiased so that the first points are not pulled toward 0. Non-finite values are carried
     * through without entering the average.
     */
    public Series smoothed(double weight) {
        double[] out = new double[values.length];
        double last = 0;
        int finite = 0;
        for (int i = 0; i < values.length; i++) {
            double v = values[i];
            if (!Double.isFinite(v)) {
                out[i] = v;
                continue;
            }
            last = last * weight + (1 - weight) * v;
            finite++;
            out[i] = weight == 0 ? v : last / (1 - Math.pow(weight, finite));
        }
        return new Series(name + " (smoothed)", steps.clone(), out);
    }

    public Series named(String newName) { return new Series(newName, steps, values); }
}
