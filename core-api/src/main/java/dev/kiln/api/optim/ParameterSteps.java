package dev.kiln.api.optim;

import java.util.List;
import java.util.Map;

/**
 * How many updates each parameter has had, for Adam's bias correction: PyTorch keeps
 * {@code state["step"]} per parameter and counts only steps in which the parameter had a gradient,
 * so one that was frozen, or unused by a batch, is not corrected as if it had been updated every
 * step. Saved with the optimizer state as {@code step.<name>}: two floats holding the count's high
 * and low 24 bits (exact to 2^48).
 */
final class ParameterSteps {
    private static final String KEY = "step.";
    private static final long LOW = (1L << 24) - 1;
    private final long[] counts;

    ParameterSteps(int parameters) {
        this.counts = new long[parameters];
    }

    /** Parameter i is being updated: its new count (1 at its first update). */
    long next(int i) { return ++counts[i]; }

    void save(List<ParamGroup> params, Map<String, float[]> state) {
        for (int i = 0; i < params.size(); i++) state.put(KEY + params.get(i).name(), new float[] {counts[i] >>> 24, counts[i] & LOW});
    }

    /**
     * From saved state; a checkpoint from before per-parameter counts has none and every parameter
     * gets the optimizer's global count, which is what it used then.
     */
    void load(List<ParamGroup> params, Map<String, float[]> state, long globalSteps) {
        for (int i = 0; i < params.size(); i++) {
            float[] s = state.get(KEY + params.get(i).name());
            if (s == null) counts[i] = globalSteps;
            else if (s.length != 2 || s[0] < 0 || s[1] < 0 || s[1] > LOW)
                throw new IllegalArgumentException("optimizer state '" + KEY + params.get(i).name() + "' is not a step count: " + java.util.Arrays.toString(s));
            else counts[i] = ((long) s[0] << 24) | (long) s[1];
        }
    }
}
