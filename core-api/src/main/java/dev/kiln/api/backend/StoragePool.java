package dev.kiln.api.backend;

import dev.kiln.api.tensor.Storage;

import java.lang.ref.SoftReference;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * A host backend's caching allocator (PyTorch's caching allocator on the heap): arrays released by
 * {@link Backend#release} wait, by exact length, for the next {@link #allocate} of that length, so a
 * training step after the first reuses the previous step's activation and gradient arrays instead of
 * allocating them again. An idle array is held by a soft reference: when the heap runs short the
 * collector takes it back before it would throw OutOfMemoryError (shapes that never come back, such as
 * the ragged batches of dynamic padding, cost nothing lasting). A released storage is poisoned:
 * {@link HeapStorage#of} refuses it, so a tensor kept past its release fails loudly instead of reading
 * another op's values.
 */
public final class StoragePool {
    private static final boolean POISON = Boolean.getBoolean("kiln.pool.poison");
    private final Map<Integer, ArrayDeque<SoftReference<float[]>>> idle = new HashMap<>();
    private long freshBytes, reusedBytes, releasedBytes, idleBytes;

    /** A zero-filled storage of {@code size} floats: an idle array of that length when there is one. */
    public HeapStorage allocate(int size) {
        float[] a = take(size);
        if (a == null) return fresh(new float[size]);
        Arrays.fill(a, 0f);
        return new HeapStorage(a, this);
    }

    /**
     * A storage of {@code size} floats whose contents the caller overwrites entirely: an idle array as it was
     * left. With the system property {@code kiln.pool.poison} (the test JVMs) every such array is filled with
     * NaN instead, so an op that reads what it did not write fails its tests.
     */
    public HeapStorage allocateUninitialized(int size) {
        float[] a = take(size);
        if (a == null) {
            HeapStorage s = fresh(new float[size]);
            if (POISON) Arrays.fill(s.data, Float.NaN);
            return s;
        }
        if (POISON) Arrays.fill(a, Float.NaN);
        return new HeapStorage(a, this);
    }

    /** A storage holding a copy of {@code data}. */
    public HeapStorage upload(float[] data) {
        float[] a = take(data.length);
        if (a == null) return fresh(data.clone());
        System.arraycopy(data, 0, a, 0, data.length);
        return new HeapStorage(a, this);
    }

    /**
     * Gives the array of {@code s} back for reuse and poisons {@code s}. Storages this pool did not hand
     * out (wrapped user arrays, another backend's) and ones already released are left alone.
     */
    public void release(Storage s) {
        if (!(s instanceof HeapStorage h) || h.pool() != this || h.data.length == 0 || !h.markReleased()) return;
        synchronized (this) {
            idle.computeIfAbsent(h.data.length, n -> new ArrayDeque<>()).push(new SoftReference<>(h.data));
            releasedBytes += 4L * h.data.length;
            idleBytes += 4L * h.data.length;
        }
    }

    private synchronized float[] take(int size) {
        ArrayDeque<SoftReference<float[]>> q = size == 0 ? null : idle.get(size);
        while (q != null && !q.isEmpty()) {
            float[] a = q.pop().get();
            idleBytes -= 4L * size;                 // taken, or found cleared by the collector
            if (a != null) {
                reusedBytes += 4L * size;
                return a;
            }
        }
        return null;
    }

    private HeapStorage fresh(float[] a) {
        synchronized (this) {
            freshBytes += 4L * a.length;
        }
        return new HeapStorage(a, this);
    }

    /**
     * What the pool has done so far: bytes newly allocated, bytes served from released arrays, bytes released
     * (cumulative), and bytes waiting idle now (an upper bound: arrays the collector took back count until found).
     */
    public synchronized Stats stats() {
        return new Stats(freshBytes, reusedBytes, releasedBytes, idleBytes);
    }

    /** Counters of a {@link StoragePool}: the first three cumulative since it was made, idleBytes a level. */
    public record Stats(long freshBytes, long reusedBytes, long releasedBytes, long idleBytes) {
        /** What happened between {@code before} and this (idleBytes: the level now). */
        public Stats minus(Stats before) {
            return new Stats(freshBytes - before.freshBytes, reusedBytes - before.reusedBytes,
                    releasedBytes - before.releasedBytes, idleBytes);
        }
    }
}
