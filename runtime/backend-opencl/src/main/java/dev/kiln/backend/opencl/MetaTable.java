package dev.kiln.backend.opencl;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The shape metadata of launches (a broadcasting op's shape and strides, a permutation's), kept on the device
 * in slots of {@link #SLOT_INTS} ints and looked up by content: a training loop repeats a few dozen shapes, so
 * after its first step every launch finds its metadata already there and passes only the slot's index. A new
 * shape is written into the next free slot with a blocking write, which on the in-order queue runs after every
 * launch queued before it; when the slots run out they are all given back and refilled the same way, so a slot
 * is never overwritten while a queued launch may still read it. (The writes this replaced were queued without
 * waiting, and JOCL waits for each such write's event on a thread of its own: a training step kept 16–17 of them
 * alive on pocl.)
 */
final class MetaTable {
    static final int SLOT_INTS = 64;
    /** Writes meta[slot · SLOT_INTS, + SLOT_INTS) to the device, returning when it has landed. */
    interface Writer {
        void write(int slot, int[] meta);
    }

    private final int slots;
    private final Writer writer;
    private final Map<Key, Integer> index = new HashMap<>();
    private long writes;

    MetaTable(int slots, Writer writer) {
        if (slots < 1) throw new IllegalArgumentException("slots must be >= 1, got " + slots);
        this.slots = slots;
        this.writer = writer;
    }

    /** The slot holding meta (SLOT_INTS ints), writing it to the device first if no slot does. */
    int slotOf(int[] meta) {
        if (meta.length != SLOT_INTS) throw new IllegalArgumentException("meta must have " + SLOT_INTS + " ints, got " + meta.length);
        Key key = new Key(meta);
        Integer slot = index.get(key);
        if (slot != null) return slot;
        if (index.size() == slots) index.clear();
        int s = index.size();
        writer.write(s, meta);
        writes++;
        index.put(new Key(meta.clone()), s);
        return s;
    }

    /** Device writes so far (one per shape not found in a slot). */
    long writes() { return writes; }

    /** An int[] compared by content. */
    private record Key(int[] ints) {
        @Override public boolean equals(Object o) { return o instanceof Key k && Arrays.equals(ints, k.ints); }
        @Override public int hashCode() { return Arrays.hashCode(ints); }
    }
}
