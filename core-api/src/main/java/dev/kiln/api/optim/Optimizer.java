package dev.kiln.api.optim;

import java.util.Map;

/**
 * Updates parameters from their accumulated gradients. State (moments, step count) is exposed
 * as named host arrays so the trainer can checkpoint and restore it exactly.
 */
public interface Optimizer {
    String name();

    /** One update of every registered parameter that has a gradient, at the given learning rate. */
    void step(double learningRate);

    /** Number of steps taken. */
    long steps();

    /**
     * Named state arrays (e.g. {@code m.<param>}, {@code v.<param>}): host copies, or on a host backend the
     * optimizer's own arrays (read them before the next step; never write them).
     */
    Map<String, float[]> state();

    /** Bytes of optimizer state held for the parameters (moments, momentum buffers): the memory a benchmark compares. */
    default long stateBytes() {
        long bytes = 0;
        for (float[] a : state().values()) bytes += 4L * a.length;
        return bytes;
    }

    /** Restores what {@link #state()} returned, plus the step count; names the missing or misshaped entry. */
    void load(Map<String, float[]> state, long steps);
}
