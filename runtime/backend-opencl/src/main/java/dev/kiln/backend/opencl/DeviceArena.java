package dev.kiln.backend.opencl;

import java.lang.ref.PhantomReference;
import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Host-side bookkeeping of the device arena (the kernel's {@code mem} buffer, one {@code cl_mem}).
 *
 * <p><b>Layout.</b> Regions are {@link #ALIGN}-float aligned (64 bytes) and handed out first-fit from
 * an address-ordered free list; freeing coalesces with both neighbours, so a training step that
 * allocates the same shapes every step reuses the same regions and the arena stops growing after
 * the first step.
 *
 * <p><b>Reclaiming.</b> Each {@link OpenClStorage} is tracked by a phantom reference; when the JVM
 * finds it unreachable its region is returned on the next allocation. Temporaries, and what the tape
 * gives back after backward ({@code Backend.release}), are released at once with {@link #release}.
 * When no region fits: force a GC and drain the queue, and only then grow the arena (×2, up to the
 * configured maximum) by copying it through the host — regions never move, so offsets stay valid (no
 * compaction: growing is rare and copies only once).
 */
final class DeviceArena {
    static final int ALIGN = 16;

    /** Resizes the device buffer, keeping its contents. */
    interface Resizer {
        void resize(int newCapacity);
    }

    private final TreeMap<Integer, Integer> free = new TreeMap<>();  // offset → length
    private final ReferenceQueue<OpenClStorage> queue = new ReferenceQueue<>();
    private final Map<Reference<?>, int[]> live = new HashMap<>();   // ref → {offset, length}
    private final Map<Integer, Reference<?>> byOffset = new HashMap<>();
    private final int maxCapacity;
    private final Resizer resizer;
    private final String device;
    private int capacity;
    private long used, peak;

    DeviceArena(int capacity, int maxCapacity, Resizer resizer, String device) {
        this.capacity = capacity;
        this.maxCapacity = maxCapacity;
        this.resizer = resizer;
        this.device = device;
        free.put(0, capacity);
    }

    int capacity() { return capacity; }

    long usedFloats() { return used; }

    long peakFloats() { return peak; }

    /** A region of size floats; zero-sized storages take no space. */
    OpenClStorage allocate(int size) {
        if (size < 0) throw new IllegalArgumentException("negative size " + size);
        if (size == 0) return new OpenClStorage(this, 0, 0);
        int len = (size + ALIGN - 1) / ALIGN * ALIGN;
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
        if (before != null && before.getKey() + before.getValue() == off) {
            off = before.getKey();
            len += before.getValue();
            free.remove(before.getKey());
        }
        Integer after = free.get(off + len);
        if (after != null) {
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

    private void grow(int need) {
        long target = Math.max(2L * capacity, (long) capacity + need);
        int next = (int) Math.min(target, maxCapacity);
        if (next < (long) capacity + need && !tailFits(need, next))
            throw new IllegalStateException("OpenCL device '" + device + "' out of arena memory: need " + need
                    + " floats, " + used + " of " + capacity + " in use and the arena may not exceed " + maxCapacity
                    + " floats (raise the backend's max_memory_mb)");
        resizer.resize(next);
        Map.Entry<Integer, Integer> last = free.lastEntry();
        if (last != null && last.getKey() + last.getValue() == capacity) free.put(last.getKey(), last.getValue() + next - capacity);
        else free.put(capacity, next - capacity);
        capacity = next;
    }

    private boolean tailFits(int need, int next) {
        Map.Entry<Integer, Integer> last = free.lastEntry();
        int tail = last != null && last.getKey() + last.getValue() == capacity ? last.getValue() : 0;
        return next > capacity && tail + (next - capacity) >= need;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
