package dev.kiln.api.tensor;

/**
 * A flat run of floats owned by one {@link dev.kiln.api.backend.Backend}: a heap array for CPU
 * backends, a device buffer for accelerator backends. Only the owning backend reads its contents;
 * everyone else goes through {@code Backend.download}.
 */
public interface Storage {
    /** Number of floats. */
    int size();
}
