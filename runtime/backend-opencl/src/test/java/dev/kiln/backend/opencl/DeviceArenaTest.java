package dev.kiln.backend.opencl;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The arena's bookkeeping (no device needed): alignment, reuse after release, coalescing, growth, buffers, limit. */
class DeviceArenaTest {
    int resizedTo = -1;
    final List<String> created = new ArrayList<>();

    DeviceArena arena(int cap, int max) { return arena(cap, max, 1 << 20); }

    DeviceArena arena(int cap, long max, int bufferFloats) {
        return new DeviceArena(cap, max, bufferFloats, new DeviceArena.Buffers() {
            @Override public void resizeFirst(int floats) { resizedTo = floats; }
            @Override public void create(int index, int floats) { created.add(index + ":" + floats); }
        }, "test");
    }

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

    @Test
    void buffer0DoublesToTheBufferSizeThenWholeBuffersAreAdded() {
        DeviceArena a = arena(64, 1024, 256);
        OpenClStorage x = a.allocate(200);                  // buffer 0: 64 → 256
        assertEquals(256, resizedTo);
        OpenClStorage y = a.allocate(100);                  // no room in buffer 0: buffer 1 at address 256
        assertEquals(List.of("1:256"), created);
        assertEquals(256, y.offset());
        assertEquals(2, a.bufferCount());
        assertEquals(512, a.capacity());
        assertEquals(8, a.shift());
        assertEquals(0, x.offset());
    }

    @Test
    void aRegionNeverSpansTwoBuffers() {
        DeviceArena a = arena(256, 1024, 256);
        OpenClStorage tail = a.allocate(240);               // [0, 240): 16 floats left in buffer 0
        OpenClStorage b1 = a.allocate(32);                  // does not fit the 16: buffer 1
        assertEquals(256, b1.offset());
        a.release(b1);                                      // buffer 1 free again, [240, 256) free in buffer 0
        OpenClStorage c = a.allocate(32);                   // the free floats are adjacent across the boundary,
        assertEquals(256, c.offset());                      // but were not merged into one region across it
        assertEquals(0, tail.offset());
    }

    @Test
    void aTensorLargerThanOneBufferIsRefusedByName() {
        DeviceArena a = arena(256, 1024, 256);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> a.allocate(257));
        assertTrue(e.getMessage().contains("larger than one device buffer (256 floats)"), e.getMessage());
    }

    @Test
    void theLastBufferIsCutToTheLimitAndThenTheArenaIsFull() {
        DeviceArena a = arena(256, 640, 256);
        OpenClStorage b0 = a.allocate(256), b1 = a.allocate(256);   // held: the collector must not reclaim them
        OpenClStorage last = a.allocate(128);               // 640 − 512 = 128 floats left: a 128-float buffer
        assertEquals(List.of("1:256", "2:128"), created);
        assertEquals(512, last.offset());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> a.allocate(16));
        assertTrue(e.getMessage().contains("max_memory_mb") && e.getMessage().contains("3 buffer(s)"), e.getMessage());
        assertEquals(0, b0.offset());
        assertEquals(256, b1.offset());
    }
}
