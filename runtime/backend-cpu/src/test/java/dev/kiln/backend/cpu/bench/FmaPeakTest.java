package dev.kiln.backend.cpu.bench;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class FmaPeakTest {
    /** The timed loop does the FMAs it counts: its result equals the same 12 chains computed with Math.fma. */
    @Test
    void theChainsComputeWhatTheyCount() {
        int turns = 1000;
        float seed = 0.5f, expected = 0;
        float[] c = new float[12];
        for (int k = 0; k < 12; k++) {
            c[k] = seed + k;
            for (int i = 0; i < turns; i++) c[k] = Math.fma(c[k], 0.999999f, 1e-7f);
        }
        expected = c[0];
        for (int k = 1; k < 12; k++) expected += c[k];
        assertEquals(expected, FmaPeak.chains(turns, seed), Math.abs(expected) * 1e-6f);
        assertNotEquals(FmaPeak.chains(0, seed), FmaPeak.chains(turns, seed), "1,000 turns move the chains");
    }

    @Test
    void theCeilingIsPositiveAndBadArgumentsAreRefused() throws InterruptedException {
        assertTrue(FmaPeak.gflops(1, 1, 20) > 0);
        assertThrows(IllegalArgumentException.class, () -> FmaPeak.gflops(0, 1, 20));
    }
}
