package dev.kiln.api.rl;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

class SequenceKlTest {
    @Test
    void sumsTheLogRatioOverEachCompletionsTokensOnly() {
        float[] logp = {-1, -2, -9, -0.5f, -9, -9};
        float[] ref = {-1.5f, -1, 7, -0.25f, 7, 7};
        float[] mask = {1, 1, 0, 1, 0, 0};
        // row 0: (−1 + 1.5) + (−2 + 1) = −0.5; row 1: −0.5 + 0.25 = −0.25
        assertArrayEquals(new double[] {-0.5, -0.25}, SequenceKl.sums(logp, ref, mask, 2), 1e-7);
    }
}
