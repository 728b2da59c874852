package dev.kiln.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The vector exp is its scalar twin bit for bit and close to Math.exp (the lane sum: {@link LaneSumAtEveryWidthTest}). */
class FixedOrderMathTest {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    @Test
    void vectorExpIsItsScalarTwinBitForBit() {
        SplittableRandom rng = new SplittableRandom(5);
        float[] edges = {0f, -0f, 1f, -1f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 88.72f, 88.73f, 88.7228f,
                -87.3f, -88f, -95f, -103.9f, -104f, -104.1f, -150f, 1e-8f, -1e-8f, 0.34657359f, -0.34657359f, Float.MIN_VALUE};
        int n = ((edges.length + 20_000) / L + 1) * L;
        float[] x = new float[n];
        System.arraycopy(edges, 0, x, 0, edges.length);
        for (int i = edges.length; i < n; i++) x[i] = (float) (rng.nextDouble() * 220 - 120);
        for (int i = 0; i < n; i += L) {
            float[] y = new float[L];
            FixedOrderMath.exp(FloatVector.fromArray(S, x, i)).intoArray(y, 0);
            for (int j = 0; j < L; j++) {
                float want = FixedOrderMath.exp(x[i + j]);
                if (Float.isNaN(want)) assertTrue(Float.isNaN(y[j]), "exp(NaN)");
                else assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(y[j]), "exp(" + x[i + j] + ")");
            }
        }
    }

    @Test
    void expIsWithinTwoUlpOfMathExpOverTheNormalRange() {
        SplittableRandom rng = new SplittableRandom(7);
        double worst = 0;
        for (int i = 0; i < 200_000; i++) {
            float x = (float) (rng.nextDouble() * (88.7 + 87.3) - 87.3);
            float want = (float) Math.exp(x), got = FixedOrderMath.exp(x);
            worst = Math.max(worst, Math.abs(got - want) / Math.ulp(want));
        }
        assertTrue(worst <= 2, "worst error " + worst + " ulp");
        assertEquals(Float.POSITIVE_INFINITY, FixedOrderMath.exp(88.73f));
        assertEquals(Float.POSITIVE_INFINITY, FixedOrderMath.exp(Float.POSITIVE_INFINITY));
        assertEquals(0f, FixedOrderMath.exp(Float.NEGATIVE_INFINITY));
        assertEquals(0f, FixedOrderMath.exp(-110f));
        assertEquals(1f, FixedOrderMath.exp(0f));
        assertTrue(Float.isNaN(FixedOrderMath.exp(Float.NaN)));
        float sub = FixedOrderMath.exp(-95f);                      // a subnormal result
        assertEquals(Math.exp(-95), sub, Math.exp(-95) * 1e-3);
    }
}
