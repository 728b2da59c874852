package dev.kiln.backend.opencl;

import dev.kiln.api.tensor.Storage;

/**
 * A tensor's place on the device: {@code size} floats at {@code offset} in the arena of the
 * {@link DeviceArena} that made it. The floats never leave the device unless downloaded; the
 * region returns to the arena's free list when this object becomes unreachable (or is released).
 */
public final class OpenClStorage implements Storage {
    final DeviceArena arena;
    final int offset;
    private final int size;
    Object region;      // the arena's handle on this storage's region; null once released

    OpenClStorage(DeviceArena arena, int offset, int size) {
        this.arena = arena;
        this.offset = offset;
        this.size = size;
    }

    @Override
    public int size() { return size; }

    /** Arena offset of element 0. */
    public int offset() { return offset; }

    @Override
    public String toString() { return "OpenClStorage[" + size + " floats at " + offset + "]"; }
}
