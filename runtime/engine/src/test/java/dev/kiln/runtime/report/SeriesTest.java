package dev.kiln.runtime.report;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class SeriesTest {
    @Test
    void smoothingIsTensorBoardsDebiasedMovingAverage() {
        Series s = new Series("loss", new long[] {1, 2, 3}, new double[] {4, 2, Double.NaN});
        Series sm = s.smoothed(0.6);
        assertEquals(4, sm.values()[0], 1e-12, "debiased: the first point is the first value, not 0.4 of it");
        double ema = 0.6 * (0.4 * 4) + 0.4 * 2;
        assertEquals(ema / (1 - 0.36), sm.values()[1], 1e-12);
        assertTrue(Double.isNaN(sm.values()[2]));
        assertArrayEquals(s.values(), s.smoothed(0).values());
    }

    @Test
    void mismatchedLengthsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new Series("x", new long[2], new double[1]));
    }
}
