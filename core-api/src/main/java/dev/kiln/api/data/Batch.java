package dev.kiln.api.data;

import dev.kiln.api.tensor.IntTensor;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * One step's worth of prepared inputs: named integer tensors (ids, targets, masks) and float
 * arrays with their shapes (features), as the objective that made it defines them. Host data:
 * it crosses to the backend once, when the objective builds its tensors.
 */
public final class Batch {
    private final Map<String, IntTensor> ints = new LinkedHashMap<>();
    private final Map<String, FloatData> floats = new LinkedHashMap<>();
    private final Map<String, Batch> parts = new LinkedHashMap<>();
    private final Set<String> whole = new LinkedHashSet<>();
    private long tokens;
    private int blocks = 1;
    private boolean padding;

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

    /**
     * An input of the batch as a whole rather than of its rows (a sampling seed): a data-parallel worker's share
     * ({@link BatchRows#strided}) holds it as it is.
     */
    public Batch putWhole(String key, IntTensor t) {
        whole.add(key);
        return put(key, t);
    }

    /** The keys of {@link #putWhole} inputs. */
    public Set<String> wholeInputs() { return Collections.unmodifiableSet(whole); }

    /**
     * The rows are {@code k} blocks of one size G, row g of every block belonging to example g (a preference
     * pair's chosen row g and rejected row G + g); inputs may also have G rows, one per example. A data-parallel
     * worker's share keeps whole examples ({@link BatchRows#strided}). 1 (the default): each row is an example.
     */
    public Batch blocks(int k) {
        if (k < 1) throw new IllegalArgumentException("a batch's rows form at least 1 block, got " + k);
        this.blocks = k;
        return this;
    }

    public int blocks() { return blocks; }

    /**
     * A data-parallel worker's share of a batch with fewer examples than workers: a repeat of another worker's
     * example that counts for nothing (the trainer gives it weight 0 and its step-wide sums zeros).
     */
    public boolean padding() {
        if (padding) return true;
        if (!ints.isEmpty() || !floats.isEmpty() || parts.isEmpty()) return false;
        for (Batch p : parts.values()) if (!p.padding()) return false;
        return true;                                   // a composite batch whose every part is padding
    }

    Batch padding(boolean value) {
        this.padding = value;
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
