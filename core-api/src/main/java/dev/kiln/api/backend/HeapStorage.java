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

    /** The array behind a storage that a host backend owns. */
    public static float[] of(Storage s) {
        if (s instanceof HeapStorage h) return h.data;
        throw new IllegalArgumentException("expected host storage, got " + s.getClass().getName()
                + ": tensors from different backends cannot be mixed");
    }
}
