package dev.kiln.api.objective;

import java.util.function.Supplier;

/**
 * The data-parallel workers computing the current training step together, for a loss whose statistic must span
 * the whole global batch rather than one worker's rows (KTO's reference point z, which TRL gathers across
 * processes). The trainer installs them around each training micro-batch's {@code compute}; anywhere else (an
 * evaluation, which one worker runs alone) and without data parallelism it is this process alone, whose sums are
 * their input. Every worker of a step must ask for the same sums in the same order, or the step waits forever.
 */
public final class StepWorkers {
    private StepWorkers() {}

    /** Element-wise sums over the workers. */
    public interface Sum {
        int count();

        /** In place: values[i] becomes the sum of values[i] over the workers (the same bits on every worker). */
        void sum(float[] values);
    }

    private static final ThreadLocal<Sum> CURRENT = new ThreadLocal<>();

    /** Workers computing this step (1 outside a data-parallel training step). */
    public static int count() {
        Sum s = CURRENT.get();
        return s == null ? 1 : s.count();
    }

    /** Sums values over this step's workers, in place; nothing to do when this process is alone. */
    public static void sum(float[] values) {
        Sum s = CURRENT.get();
        if (s != null) s.sum(values);
    }

    /**
     * Runs body as a worker whose batch is {@linkplain dev.kiln.api.data.Batch#padding padding}: it still takes
     * part in every sum (the others wait for it) but adds zeros, so the sums are the other workers' alone.
     */
    public static <T> T asPadding(Supplier<T> body) {
        Sum s = CURRENT.get();
        if (s == null) return body.get();
        return during(new Sum() {
            @Override public int count() { return s.count(); }

            @Override public void sum(float[] values) {
                java.util.Arrays.fill(values, 0f);
                s.sum(values);
            }
        }, body);
    }

    /** Runs body with {@code workers} as this thread's step workers (the trainer, around a training micro-batch). */
    public static <T> T during(Sum workers, Supplier<T> body) {
        Sum previous = CURRENT.get();
        CURRENT.set(workers);
        try {
            return body.get();
        } finally {
            if (previous == null) CURRENT.remove();
            else CURRENT.set(previous);
        }
    }
}
