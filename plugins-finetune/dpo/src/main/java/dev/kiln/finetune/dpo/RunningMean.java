package dev.kiln.finetune.dpo;

/**
 * The running mean of the rewards that {@code bco_pair} subtracts (TRL's {@code RunningMoments}, its
 * mean): each batch's mean m of n values merges as mean += (m − mean)·n / (count + n), starting
 * from mean 0 and a count of 1e-24, so the first batch sets it to that batch's mean. TRL feeds it
 * the batch's mean reward as one value (n = 1), so every batch counts the same.
 */
final class RunningMean {
    private double mean, count = 1e-24;

    /** Merges a batch of n values with mean m; returns the updated mean. */
    synchronized double update(double m, long n) {
        double total = count + n;
        mean += (m - mean) * n / total;
        count = total;
        return mean;
    }

    /** The mean {@link #update} would return, without changing it (evaluation batches leave training state alone). */
    synchronized double peek(double m, long n) {
        return mean + (m - mean) * n / (count + n);
    }
}
