package dev.kiln.backend.opencl;

import java.lang.ref.PhantomReference;
import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Host-side bookkeeping of the device arena: up to {@link #BUFFERS} device buffers ({@code cl_mem}) seen
 * as one address space. An address is an int: its top bits pick the buffer ({@code address >>> shift}),
 * the rest is the float index in it, so a storage is one int and the launcher hands a kernel each
 * operand as (buffer, index). Nothing mirrors the arena on the host: data crosses only in uploads,
 * downloads and the int inputs.
 *
 * <p><b>Why several buffers.</b> Devices cap a single buffer (CL_DEVICE_MAX_MEM_ALLOC_SIZE, often a
 * quarter of the memory) and int addresses cap one at 2^31 floats; GPT-2 124M's weights, gradients and
 * AdamW moments alone take ≈ 2 GB. Buffer 0 starts small and doubles (a device-side copy) up to the
 * buffer size; after that each further buffer is created at the full buffer size (the last one smaller
 * if max_memory_mb says so), with no copy. A region never spans two buffers, so a tensor may be at most
 * one buffer long, and the arena at most {@link #BUFFERS} × {@link #MAX_BUFFER_FLOATS} floats (8 GiB).
 *
 * <p><b>Layout.</b> Regions are {@link #ALIGN}-float aligned (64 bytes) and handed out first-fit from
 * an address-ordered free list; freeing coalesces with both neighbours in the same buffer, so a
 * training step that allocates the same shapes every step reuses the same regions and the arena stops
 * growing after the first step. The command queue is in order, so a region freed and handed out again
 * is written only after the kernels queued before that read it.
 *
 * <p><b>Reclaiming.</b> Each {@link OpenClStorage} is tracked by a phantom reference; when the JVM
 * finds it unreachable its region is returned on the next allocation. Temporaries, and what the tape
 * gives back after backward ({@code Backend.release}), are released at once with {@link #release}.
 * When no region fits: force a GC and drain the queue, and only then grow.
 */
final class DeviceArena {
    static final int ALIGN = 16;
    /** Device buffers at most: 8 × 2^28 floats is the whole positive int address space. */
    static final int BUFFERS = 8;
    /** Largest buffer, in floats (1 GiB: eight of them fill the positive int address space). */
    static final int MAX_BUFFER_FLOATS = 1 << 28;

    /** Makes device room: resizes buffer 0 keeping its contents, or creates buffer {@code index}. */
    interface Buffers {
        void resizeFirst(int newFloats);

        void create(int index, int floats);
    }

    private final TreeMap<Integer, Integer> free = new TreeMap<>();  // address → length
    private final ReferenceQueue<OpenClStorage> queue = new ReferenceQueue<>();
    private final Map<Reference<?>, int[]> live = new HashMap<>();   // ref → {address, length}
    private final Map<Integer, Reference<?>> byOffset = new HashMap<>();
    private final long maxCapacity;
    private final int bufferFloats, shift;
    private final Buffers buffers;
    private final String device;
    private int first;            // floats in buffer 0
    private int count = 1;        // buffers in use
    private long others;          // floats in buffers 1..count-1
    private long used, peak;

    /**
     * @param initial floats of buffer 0 at the start
     * @param maxCapacity floats in all buffers together, at most
     * @param bufferFloats the buffer size, a power of two at most {@link #MAX_BUFFER_FLOATS}
     */
    DeviceArena(int initial, long maxCapacity, int bufferFloats, Buffers buffers, String device) {
        if (Integer.bitCount(bufferFloats) != 1 || bufferFloats > MAX_BUFFER_FLOATS)
            throw new IllegalArgumentException("buffer size must be a power of two ≤ 2^28 floats, got " + bufferFloats);
        this.bufferFloats = bufferFloats;
        this.shift = Integer.numberOfTrailingZeros(bufferFloats);
        this.first = Math.min(initial, bufferFloats);
        this.maxCapacity = Math.min(maxCapacity, (long) BUFFERS * bufferFloats);
        this.buffers = buffers;
        this.device = device;
        free.put(0, first);
    }

    /** The index bits' position: buffer = address >>> shift. */
    int shift() { return shift; }

    /** Floats in all device buffers. */
    long capacity() { return first + others; }

    int bufferCount() { return count; }

    long usedFloats() { return used; }

    long peakFloats() { return peak; }

    /** A region of size floats; zero-sized storages take no space. */
    OpenClStorage allocate(int size) {
        if (size < 0) throw new IllegalArgumentException("negative size " + size);
        if (size == 0) return new OpenClStorage(this, 0, 0);
        int len = (size + ALIGN - 1) / ALIGN * ALIGN;
        if (size > bufferFloats)
            throw new IllegalStateException("OpenCL device '" + device + "': a tensor of " + size + " floats is larger than"
                    + " one device buffer (" + bufferFloats + " floats); split it");
        reclaim();
        int off = fit(len);
        if (off < 0) {
            for (int attempt = 0; attempt < 3 && off < 0; attempt++) {
                System.gc();
                sleep(10L << attempt);
                reclaim();
                off = fit(len);
            }
        }
        while (off < 0) {
            grow(len);
            off = fit(len);
        }
        OpenClStorage s = new OpenClStorage(this, off, size);
        Reference<OpenClStorage> ref = new PhantomReference<>(s, queue);
        s.region = ref;
        live.put(ref, new int[] {off, len});
        byOffset.put(off, ref);
        used += len;
        peak = Math.max(peak, used);
        return s;
    }

    /**
     * Returns a storage's region now (it must not be used afterwards). A second release of the same storage
     * does nothing, even when its region has since gone to another storage at the same offset.
     */
    void release(OpenClStorage s) {
        Object mine = s.region;
        if (s.size() == 0 || s.arena != this || mine == null) return;
        s.region = null;
        Reference<?> ref = byOffset.get(s.offset);
        if (ref != mine) return;            // the region is another storage's now
        ref.clear();
        freeRegion(ref);
    }

    private void reclaim() {
        for (Reference<?> r = queue.poll(); r != null; r = queue.poll()) freeRegion(r);
    }

    private void freeRegion(Reference<?> ref) {
        int[] region = live.remove(ref);
        if (region == null) return;
        byOffset.remove(region[0]);
        used -= region[1];
        int off = region[0], len = region[1];
        Map.Entry<Integer, Integer> before = free.floorEntry(off);
        if (before != null && before.getKey() + before.getValue() == off && sameBuffer(before.getKey(), off)) {
            off = before.getKey();
            len += before.getValue();
            free.remove(before.getKey());
        }
        Integer after = free.get(off + len);
        if (after != null && sameBuffer(off, off + len)) {
            free.remove(off + len);
            len += after;
        }
        free.put(off, len);
    }

    private int fit(int len) {
        for (Map.Entry<Integer, Integer> e : free.entrySet()) {
            if (e.getValue() >= len) {
                int off = e.getKey(), rest = e.getValue() - len;
                free.remove(off);
                if (rest > 0) free.put(off + len, rest);
                return off;
            }
        }
        return -1;
    }

    private boolean sameBuffer(int a, int b) { return a >>> shift == b >>> shift; }

    /** Buffer 0 doubles while it can hold the need; otherwise a new full-size buffer. */
    private void grow(int need) {
        if (first < bufferFloats) {
            long target = Math.max(2L * first, (long) first + need);
            int next = (int) Math.min(Math.min(target, bufferFloats), maxCapacity - (capacity() - first));
            if (next > first && tailOfFirst() + (next - first) >= need) {
                buffers.resizeFirst(next);
                Map.Entry<Integer, Integer> last = free.lowerEntry(first);
                if (last != null && last.getKey() + last.getValue() == first) free.put(last.getKey(), last.getValue() + next - first);
                else free.put(first, next - first);
                first = next;
                return;
            }
        }
        int size = (int) Math.min(bufferFloats, maxCapacity - capacity());   // the last may be smaller
        if (count < BUFFERS && size >= need) {
            buffers.create(count, size);
            free.put(count << shift, size);
            others += size;
            count++;
            return;
        }
        throw new IllegalStateException("OpenCL device '" + device + "' out of arena memory: need " + need
                + " floats, " + used + " of " + capacity() + " in use in " + count + " buffer(s) and the arena may not exceed "
                + maxCapacity + " floats (the backend's max_memory_mb, at most " + BUFFERS + " buffers of " + bufferFloats + ")");
    }

    private int tailOfFirst() {
        Map.Entry<Integer, Integer> last = free.lowerEntry(first);
        return last != null && last.getKey() + last.getValue() == first ? last.getValue() : 0;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
