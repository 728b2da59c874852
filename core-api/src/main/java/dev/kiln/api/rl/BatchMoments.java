package dev.kiln.api.rl;

import dev.kiln.api.objective.StepWorkers;

/**
 * The mean and unbiased variance of values spread over a training step's data-parallel workers
 * ({@link StepWorkers}), as if one process held the whole global batch (TRL gathers across processes before
 * normalizing): two rounds of sums, the mean and then the squared deviations from it. Alone, in double
 * precision over the values in order.
 *
 * @param count the values over all workers
 */
public record BatchMoments(double mean, double variance, double count) {

    /** Of {@code x} here and the other workers' values; variance 0 under 2 values. */
    public static BatchMoments of(double[] x) {
        double sum = 0;
        for (double v : x) sum += v;
        double n = x.length;
        if (StepWorkers.count() > 1) {
            float[] sumAndCount = {(float) sum, x.length};
            StepWorkers.sum(sumAndCount);
            sum = sumAndCount[0];
            n = sumAndCount[1];
        }
        double mean = n == 0 ? 0 : sum / n, squares = 0;
        for (double v : x) squares += (v - mean) * (v - mean);
        if (StepWorkers.count() > 1) {
            float[] deviations = {(float) squares};
            StepWorkers.sum(deviations);
            squares = deviations[0];
        }
        return new BatchMoments(mean, n < 2 ? 0 : squares / (n - 1), n);
    }

    public double std() { return Math.sqrt(variance); }
}
