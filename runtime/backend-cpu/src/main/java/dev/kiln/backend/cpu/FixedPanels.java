package dev.kiln.backend.cpu;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The packed B panels of weights declared fixed ({@link CpuBackend#weightsFixed}), kept for the scope's length so that
 * a product by one of them packs it once instead of on every call: a policy's rollouts multiply a few rows by every
 * weight at each new token, and packing the weight was most of each such product. Up to a budget of floats; past it
 * the GEMM packs as it does outside a scope.
 */
final class FixedPanels {
    /** One packed KC × NC block: B's array (by identity) and how it is read, the K block size, the block's origin. */
    record Key(float[] b, int bo, int ldb, int n, int k, int kBlock, int jc, int pc) {}

    private final Set<float[]> weights = Collections.newSetFromMap(new IdentityHashMap<>());
    private final Map<Key, float[]> panels = new ConcurrentHashMap<>();
    private final Set<float[]> seen = Collections.newSetFromMap(Collections.synchronizedMap(new IdentityHashMap<>()));
    private final AtomicLong floatsLeft;

    FixedPanels(List<float[]> weights, long budgetFloats) {
        this.weights.addAll(weights);
        this.floatsLeft = new AtomicLong(budgetFloats);
    }

    /** Floats a scope may keep: at most a quarter of the maximum heap, and half of what the heap has left now. */
    static long heapBudget() {
        Runtime rt = Runtime.getRuntime();
        long left = rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
        return Math.min(rt.maxMemory() / 4, left / 2) / Float.BYTES;
    }

    /** Whether b is one of the scope's weights (an array of its storages). */
    boolean holds(float[] b) {
        return weights.contains(b);
    }

    /** The block packed earlier, or null. */
    float[] packed(Key key) {
        return panels.get(key);
    }

    /**
     * Whether b was multiplied by earlier in the scope; marks it. The first product by a weight runs as outside a
     * scope: a weight used once in it (by the prompt pass before single-row decoding) is not worth a copy, and that
     * pass is then no slower than outside.
     */
    boolean seenBefore(float[] b) {
        return !seen.add(b);
    }

    /** A new array of the given size for a block to be packed and then {@link #keep kept}, or null past the budget. */
    float[] reserve(int floats) {
        if (floatsLeft.addAndGet(-floats) >= 0) return new float[floats];
        floatsLeft.addAndGet(floats);
        return null;
    }

    /** Keeps a packed block for later products (one packed at the same time by another thread may win; both are equal). */
    void keep(Key key, float[] block) {
        panels.putIfAbsent(key, block);
    }
}
