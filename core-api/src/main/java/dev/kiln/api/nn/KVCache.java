package dev.kiln.api.nn;

import dev.kiln.api.ops.Shapes;
import dev.kiln.api.tensor.Tensor;

import java.util.List;

/**
 * Keys and values of the tokens seen so far, per layer, for incremental decoding: each new token
 * costs one row of projections plus attention over the cached rows. Layout per layer:
 * [B, T, kvHeads·headDim]. Used under no-grad only.
 */
public final class KVCache {
    private final Tensor[] keys, values;
    private int length;

    public KVCache(int layers) {
        keys = new Tensor[layers];
        values = new Tensor[layers];
    }

    /** Tokens cached so far (the position of the next token). */
    public int length() { return length; }

    /**
     * The keys cached for a layer so far, [B, T, Hkv·D] (a key/value prefix's rows first when the
     * model has one), or null before its first forward pass. Read under no-grad.
     */
    public Tensor keys(int layer) { return keys[layer]; }

    /** The values cached for a layer so far, [B, T, Hkv·D], like {@link #keys}. */
    public Tensor values(int layer) { return values[layer]; }

    /** Whether a layer has nothing cached yet (its first forward pass). */
    boolean isEmpty(int layer) { return keys[layer] == null; }

    /** Appends this step's k, v [B, t, Hkv, D] for a layer and returns the whole cache for it. */
    Tensor[] append(int layer, Tensor k, Tensor v) {
        keys[layer] = keys[layer] == null ? k : Shapes.concat(1, List.of(keys[layer], k));
        values[layer] = values[layer] == null ? v : Shapes.concat(1, List.of(values[layer], v));
        return new Tensor[] {keys[layer], values[layer]};
    }

    /** Called once per forward pass after every layer appended. */
    void advance(int tokens) { length += tokens; }

    public void clear() {
        java.util.Arrays.fill(keys, null);
        java.util.Arrays.fill(values, null);
        length = 0;
    }
}
