package dev.kiln.api.backend;

import dev.kiln.api.tensor.Storage;

/** Storage backed by a Java float array; used by every host-memory backend. */
public final class HeapStorage implements Storage {
    public final float[] data;
    private final StoragePool pool;     // the pool this array returns to on release; null: not pooled
    private boolean released;

    public HeapStorage(float[] data) {
        this(data, null);
    }

    public HeapStorage(int size) {
        this(new float[size]);
    }

    HeapStorage(float[] data, StoragePool pool) {
        this.data = data;
        this.pool = pool;
    }

    @Override
    public int size() {
        return data.length;
    }

    StoragePool pool() { return pool; }

    /** True once its array went back to the pool: nothing may read or write it any more. */
    public boolean isReleased() { return released; }

    /** Marks it released; false when it already was (a second release must not hand the array out twice). */
    boolean markReleased() {
        if (released) return false;
        released = true;
        return true;
    }

    /**
     * The first {@code size} values of {@code s} for a reader that is done before anyone writes them (a
     * checkpoint save): a host storage's own array when it holds exactly that many, else a copy.
     */
    public static float[] readOnly(Backend backend, Storage s, int size) {
        if (s instanceof HeapStorage h && h.data.length == size && !h.released) return h.data;
        float[] all = backend.download(s);
        return all.length == size ? all : java.util.Arrays.copyOf(all, size);
    }

    /** The array behind a storage that a host backend owns. */
    public static float[] of(Storage s) {
        if (s instanceof HeapStorage h) {
            if (h.released) throw new IllegalStateException("a storage of " + h.data.length + " floats is used after it was"
                    + " released to its backend's pool (backward() releases the graph's intermediate results and"
                    + " gradients, zeroGrad() a parameter's gradient): copy what must outlive them (toArray(), or detach()"
                    + " before backward)");
            return h.data;
        }
        throw new IllegalArgumentException("expected host storage, got " + s.getClass().getName()
                + ": tensors from different backends cannot be mixed");
    }
}
