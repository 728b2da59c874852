package dev.kiln.api.nn;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@link RopeScaling#inverseFrequencies} against values worked out by hand from Hugging Face's
 * formulas (modeling_rope_utils.py). head_dim 8 and theta 10⁴ give the plain frequencies
 * 10⁴^(−2i/8) = 1, 10⁻¹, 10⁻², 10⁻³, whose wavelengths 2π / f are 2π·(1, 10, 100, 1000).
 */
class RopeScalingTest {
    private static final double[] PLAIN = {1, 1e-1, 1e-2, 1e-3};

    /** Each value within float32 rounding (a few ulps) of the double it should be. */
    private static void assertFrequencies(double[] expected, float[] actual) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++)
            assertEquals(expected[i], actual[i], 4e-7 * expected[i], "frequency " + i);
    }

    @Test
    void none() {
        assertFrequencies(PLAIN, RopeScaling.NONE.inverseFrequencies(8, 10000f, 1 << 20));
        // float32 steps as torch takes them: 1 / float(theta^float(2i/d)); exact where every step is
        float[] f = RopeScaling.NONE.inverseFrequencies(4, 100f, 0);
        assertArrayEquals(new float[] {1f, 0.1f}, f);
    }

    @Test
    void linearDividesEveryFrequencyByTheFactor() {
        assertFrequencies(new double[] {0.25, 0.025, 0.0025, 0.00025}, RopeScaling.linear(4f).inverseFrequencies(8, 10000f, 3));
    }

    @Test
    void dynamicGrowsTheBaseOnceTheSequenceExceedsTheOriginalLength() {
        RopeScaling dyn = RopeScaling.dynamic(2f, 16);
        assertFrequencies(PLAIN, dyn.inverseFrequencies(8, 10000f, 1));
        assertFrequencies(PLAIN, dyn.inverseFrequencies(8, 10000f, 16));     // L = orig: unchanged
        // L = 32: base' = 10⁴ · (2·32/16 − 1)^(8/6) = 10⁴ · 3^(4/3), so f_i = base'^(−2i/8) = 10^(−i) · 3^(−i/3)
        double[] expected = new double[4];
        for (int i = 0; i < 4; i++) expected[i] = Math.pow(10, -i) * Math.pow(3, -i / 3.0);
        assertFrequencies(expected, dyn.inverseFrequencies(8, 10000f, 32));
        assertEquals(0.0693361, expected[1], 1e-7);                            // 0.1 · 3^(−1/3), by hand
        assertEquals(1.0 / 3000, expected[3], 1e-12);
    }

    @Test
    void llama3KeepsHighFrequenciesDividesLowOnesAndInterpolatesBetween() {
        // orig 2048, low 1, high 4, factor 8: wavelengths below 2048/4 = 512 keep f, above 2048/1 divide by 8
        float[] f = RopeScaling.llama3(8f, 1f, 4f, 2048).inverseFrequencies(8, 10000f, 5);
        double s = (2048 / (2 * Math.PI * 100) - 1) / (4 - 1);                 // wavelength 628.3 is in between: s = 0.75316
        assertEquals(0.753164, s, 1e-6);
        assertFrequencies(new double[] {1, 0.1, (1 - s) * 0.01 / 8 + s * 0.01, 0.001 / 8}, f);
        assertEquals(0.00784019, f[2], 1e-8);
        // orig 8192: only wavelength 6283 (f = 10⁻³) lies between 8192/4 and 8192
        double s2 = (8192 / (2 * Math.PI * 1000) - 1) / 3;
        assertFrequencies(new double[] {1, 0.1, 0.01, (1 - s2) * 0.001 / 8 + s2 * 0.001},
                RopeScaling.llama3(8f, 1f, 4f, 8192).inverseFrequencies(8, 10000f, 5));
    }

    @Test
    void onlyDynamicDependsOnTheLength() {
        for (RopeScaling r : new RopeScaling[] {RopeScaling.NONE, RopeScaling.linear(2f), RopeScaling.llama3(8f, 1f, 4f, 64)})
            assertArrayEquals(r.inverseFrequencies(16, 500000f, 1), r.inverseFrequencies(16, 500000f, 100_000), r.toString());
        RopeScaling dyn = RopeScaling.dynamic(4f, 64);
        assertNotEquals(dyn.inverseFrequencies(16, 500000f, 64)[3], dyn.inverseFrequencies(16, 500000f, 65)[3]);
    }

    @Test
    void rejectsAnOddHeadDim() {
        assertThrows(IllegalArgumentException.class, () -> RopeScaling.NONE.inverseFrequencies(7, 10000f, 1));
    }
}
