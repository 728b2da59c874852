package dev.kiln.backend.opencl;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The slot lookup alone, against a fake device that records what each slot holds. */
class MetaTableTest {
    /** What the device's slots hold, and every write made. */
    static final class FakeDevice implements MetaTable.Writer {
        final Map<Integer, int[]> slots = new HashMap<>();
        final List<Integer> writes = new ArrayList<>();

        @Override
        public void write(int slot, int[] meta) {
            slots.put(slot, meta.clone());
            writes.add(slot);
        }
    }

    static int[] meta(int... head) {
        int[] m = new int[MetaTable.SLOT_INTS];
        System.arraycopy(head, 0, m, 0, head.length);
        return m;
    }

    @Test
    void aShapeSeenBeforeIsFoundWithoutAWrite() {
        FakeDevice device = new FakeDevice();
        MetaTable table = new MetaTable(8, device);
        int a = table.slotOf(meta(4, 8)), b = table.slotOf(meta(8, 4));
        assertNotEquals(a, b);
        int[] again = meta(4, 8);
        assertEquals(a, table.slotOf(again));
        assertEquals(b, table.slotOf(meta(8, 4)));
        assertEquals(List.of(a, b), device.writes, "one write per distinct shape");
        assertEquals(2, table.writes());
        assertArrayEquals(meta(4, 8), device.slots.get(a));
        assertArrayEquals(meta(8, 4), device.slots.get(b));
    }

    /** The caller may reuse its array: the table keeps a copy, so a later change does not alter a slot's key. */
    @Test
    void theCallersArrayIsNotKeptAsTheKey() {
        FakeDevice device = new FakeDevice();
        MetaTable table = new MetaTable(8, device);
        int[] m = meta(3, 5);
        int slot = table.slotOf(m);
        m[0] = 7;
        assertNotEquals(slot, table.slotOf(m), "a different shape is not found in the first one's slot");
        assertEquals(slot, table.slotOf(meta(3, 5)));
    }

    /** When every slot is taken, all are given back: each slot then holds what the lookup that returned it asked for. */
    @Test
    void aFullTableStartsOverAndEverySlotHoldsWhatItWasLastAskedFor() {
        FakeDevice device = new FakeDevice();
        MetaTable table = new MetaTable(4, device);
        for (int round = 0; round < 3; round++) {
            for (int s = 0; s < 10; s++) {
                int[] m = meta(round, s);
                int slot = table.slotOf(m);
                assertEquals(true, slot >= 0 && slot < 4, "slot " + slot + " within the table");
                assertArrayEquals(m, device.slots.get(slot), "round " + round + " shape " + s);
            }
        }
        assertEquals(30, table.writes(), "thirty distinct shapes");
        int[] last = meta(2, 9);
        assertEquals(table.slotOf(last), table.slotOf(meta(2, 9)));
        assertEquals(30, table.writes(), "a shape written since the table started over is found again");
    }

    @Test
    void metaOfTheWrongLengthIsRefused() {
        MetaTable table = new MetaTable(4, new FakeDevice());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> table.slotOf(new int[8]));
        assertEquals("meta must have 64 ints, got 8", e.getMessage());
    }
}
