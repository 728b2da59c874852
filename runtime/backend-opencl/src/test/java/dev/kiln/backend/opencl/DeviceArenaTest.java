package dev.kiln.backend.opencl;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The arena's bookkeeping (no device needed): alignment, reuse after release, coalescing, growth, limit. */
class DeviceArenaTest {
    int resizedTo = -1;

    DeviceArena arena(int cap, int max) { return new DeviceArena(cap, max, c -> resizedTo = c, "test"); }

    @Test
    void alignsReusesAndCoalesces() {
        DeviceArena a = arena(256, 256);
        OpenClStorage x = a.allocate(17), y = a.allocate(1), z = a.allocate(100);
        assertEquals(0, x.offset());
        assertEquals(32, y.offset());
        assertEquals(48, z.offset());
        a.release(x);
        a.release(y);
        OpenClStorage w = a.allocate(40);  // fits only in the coalesced [0, 48)
        assertEquals(0, w.offset());
        assertEquals(0, a.allocate(0).size());
    }

    @Test
    void aSecondReleaseDoesNotFreeTheRegionsNextOwner() {
        DeviceArena a = arena(256, 256);
        OpenClStorage x = a.allocate(16);
        a.release(x);
        OpenClStorage y = a.allocate(16);            // x's region, same offset
        assertEquals(x.offset(), y.offset());
        a.release(x);                                 // stale: must leave y's region alone
        OpenClStorage z = a.allocate(16);
        assertTrue(z.offset() != y.offset(), "y's region was handed out again: " + z.offset());
        assertEquals(32, a.usedFloats());
    }

    @Test
    void growsWhenFullAndFailsPastTheLimit() {
        DeviceArena a = arena(64, 256);
        OpenClStorage keep = a.allocate(64);
        OpenClStorage more = a.allocate(100);
        assertEquals(176, resizedTo);  // max(2 × 64, 64 + 112)
        assertEquals(64, more.offset());
        assertTrue(keep.size() == 64);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> a.allocate(1000));
        assertTrue(e.getMessage().contains("max_memory_mb"), e.getMessage());
    }
}
