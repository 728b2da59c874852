package dev.kiln.api.data;

import dev.kiln.api.tensor.IntTensor;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One step's worth of prepared inputs: named integer tensors (ids, targets, masks) and float
 * arrays with their shapes (features), as the objective that made it defines them. Host data:
 * it crosses to the backend once, when the objective builds its tensors.
 */
public final class Batch {
    private final Map<String, IntTensor> ints = new LinkedHashMap<>();
    private final Map<String, FloatData> floats = new LinkedHashMap<>();
    private final Map<String, Batch> parts = new LinkedHashMap<>();
    private long tokens;

    /** Float host data of a shape. */
    public record FloatData(float[] data, int[] shape) {}

    public Batch put(String key, IntTensor t) {
        ints.put(key, t);
        return this;
    }

    public Batch put(String key, float[] data, int... shape) {
        floats.put(key, new FloatData(data, shape));
        return this;
    }

    /** A sub-batch (composite objectives keep one per member). */
    public Batch putPart(String key, Batch b) {
        parts.put(key, b);
        return this;
    }

    public IntTensor ints(String key) {
        IntTensor t = ints.get(key);
        if (t == null) throw new IllegalArgumentException("batch has no '" + key + "' (has: " + ints.keySet() + floats.keySet() + ")");
        return t;
    }

    public IntTensor intsOrNull(String key) { return ints.get(key); }

    public FloatData floats(String key) {
        FloatData f = floats.get(key);
        if (f == null) throw new IllegalArgumentException("batch has no float input '" + key + "' (has: " + floats.keySet() + ")");
        return f;
    }

    public Batch part(String key) {
        Batch b = parts.get(key);
        if (b == null) throw new IllegalArgumentException("batch has no part '" + key + "' (has: " + parts.keySet() + ")");
        return b;
    }

    public Map<String, IntTensor> intInputs() { return Collections.unmodifiableMap(ints); }

    public Map<String, FloatData> floatInputs() { return Collections.unmodifiableMap(floats); }

    public Map<String, Batch> parts() { return Collections.unmodifiableMap(parts); }

    /** Tokens this batch trains on (for tokens/s). */
    public long tokens() { return tokens; }

    public Batch tokens(long n) {
        this.tokens = n;
        return this;
    }
}
