package dev.kiln.api.backend;

import dev.kiln.api.tensor.Storage;

/** Storage backed by a Java float array; used by every host-memory backend. */
public final class HeapStorage implements Storage {
    public final float[] data;

    public HeapStorage(float[] data) {
        this.data = data;
    }

    public HeapStorage(int size) {
        this(new float[size]);
    }

    @Override
    public int size() {
        return data.length;
    }

    /**
     * The first {@code size} values of {@code s} for a reader that is done before anyone writes them (a
     * checkpoint save): a host storage's own array when it holds exactly that many, else a copy.
     */
    public static float[] readOnly(Backend backend, Storage s, int size) {
        if (s instanceof HeapStorage h && h.data.length == size) return h.data;
        float[] all = backend.download(s);
        return all.length == size ? all : java.util.Arrays.copyOf(all, size);
    }

    /** The array behind a storage that a host backend owns. */
    public static float[] of(Storage s) {
        if (s instanceof HeapStorage h) return h.data;
        throw new IllegalArgumentException("expected host storage, got " + s.getClass().getName()
                + ": tensors from different backends cannot be mixed");
    }
}
