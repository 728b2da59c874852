package dev.kiln.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The lane sum adds in its stated order at every vector width a host may prefer (4 lanes on NEON, 8 on AVX2, 16 on
 * AVX-512), not only this host's. Runs in a surefire JVM of its own (see the pom): vectors of several widths in one
 * JVM make the Vector API's own call sites polymorphic, after which C2 stops inlining the kernels other tests time
 * and count allocations of.
 */
class LaneSumAtEveryWidthTest {
    @ParameterizedTest
    @ValueSource(ints = {64, 128, 256, 512})
    void addsHalvesPairwise(int bits) {
        VectorSpecies<Float> species = VectorSpecies.of(float.class, jdk.incubator.vector.VectorShape.forBitSize(bits));
        int lanes = species.length();
        SplittableRandom rng = new SplittableRandom(3);
        for (int trial = 0; trial < 200; trial++) {
            float[] x = new float[lanes];
            // magnitudes far apart, so another order of additions gives another float
            for (int i = 0; i < lanes; i++) x[i] = (float) (rng.nextGaussian() * Math.pow(10, rng.nextInt(-4, 8)));
            float[] w = x.clone();
            for (int h = lanes / 2; h >= 1; h /= 2) {
                float[] next = new float[lanes];
                for (int i = 0; i < lanes; i++) next[i] = w[i] + w[i ^ h];
                w = next;
            }
            float got = FixedOrderMath.sum(FloatVector.fromArray(species, x, 0));
            assertEquals(Float.floatToRawIntBits(w[0]), Float.floatToRawIntBits(got), lanes + " lanes, trial " + trial);
        }
    }
}
