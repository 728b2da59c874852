package dev.kiln.backend.cpu;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * The vector column sums (bias gradients, a norm's beta) and norm parameter gradients add each column's rows in row
 * order, as the scalar loops do: the same bits, whatever way they walk the matrix. Magnitudes far apart make another
 * order of additions give another float.
 */
class ColumnSumsBitsTest {
    private static float[] values(SplittableRandom rng, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) (rng.nextGaussian() * Math.pow(10, rng.nextInt(-3, 6)));
        return x;
    }

    @ParameterizedTest
    @CsvSource({"37, 53, 0, 53", "37, 53, 5, 40", "64, 128, 64, 128", "9, 16, 0, 16", "1024, 48, 16, 33", "20, 300, 7, 300"})
    void vectorLanesGiveTheScalarLoopsBits(int rows, int cols, int c0, int c1) {
        Lanes vector = VectorLanes.create(), scalar = new ScalarLanes();
        SplittableRandom rng = new SplittableRandom(rows * 31L + cols);
        float[] src = values(rng, rows * cols), x = values(rng, rows * cols), dst = values(rng, cols);
        float[] mean = values(rng, rows), rstd = values(rng, rows);

        float[] a = dst.clone(), b = dst.clone();
        scalar.addColumnSums(src, rows, cols, a, c0, c1);
        vector.addColumnSums(src, rows, cols, b, c0, c1);
        assertArrayEquals(a, b, "column sums");

        for (float[] m : new float[][] {mean, null}) {
            float[] ga = dst.clone(), gb = dst.clone(), ba = dst.clone(), bb = dst.clone();
            scalar.normParamGrads(x, src, m, rstd, ga, ba, rows, cols, c0, c1);
            vector.normParamGrads(x, src, m, rstd, gb, bb, rows, cols, c0, c1);
            assertArrayEquals(ga, gb, "gamma gradient, mean " + (m != null));
            assertArrayEquals(ba, bb, "beta gradient");
        }
    }
}
