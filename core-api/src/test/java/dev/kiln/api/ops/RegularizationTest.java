package dev.kiln.api.ops;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Dropout (seeded masks, expectation, identity at p = 0) and masked fill. */
class RegularizationTest {
    private final Backend be = new NaiveBackend();

    @Test
    void dropoutGradientWithAFixedSeed() {
        Tensor x = GradCheck.randn(be, 121, 4, 6);
        GradCheck.assertGradients("dropout 0.3", () -> Regularization.dropout(x, 0.3f, 7L), x);
    }

    @Test
    void dropoutKeepsAboutKeepOfTheElementsAndPreservesTheMean() {
        int n = 200_000;
        float p = 0.25f, keep = 1 - p;
        float[] y = Regularization.dropout(Tensor.full(be, 1f, n), p, 123L).toArray();
        int kept = 0;
        double sum = 0;
        for (float v : y) {
            assertTrue(v == 0f || Math.abs(v - 1 / keep) < 1e-6, "values are 0 or 1/keep, got " + v);
            if (v != 0f) kept++;
            sum += v;
        }
        double sigma = Math.sqrt(keep * p / n); // binomial standard deviation of the kept fraction
        assertEquals(keep, kept / (double) n, 5 * sigma, "fraction kept");
        assertEquals(1.0, sum / n, 5 * sigma / keep, "E[mask] = 1 after scaling");
    }

    @Test
    void dropoutIsDeterministicInItsSeed() {
        Tensor x = GradCheck.randn(be, 122, 64);
        assertArrayEquals(Regularization.dropout(x, 0.5f, 9L).toArray(), Regularization.dropout(x, 0.5f, 9L).toArray());
        assertFalse(java.util.Arrays.equals(Regularization.dropout(x, 0.5f, 9L).toArray(),
                Regularization.dropout(x, 0.5f, 10L).toArray()));
    }

    @Test
    void dropoutWithZeroProbabilityIsTheIdentity() {
        Tensor x = GradCheck.randn(be, 123, 3, 3).requiresGrad(true);
        Tensor y = Regularization.dropout(x, 0f, 5L);
        assertSame(x, y);
        Reductions.sum(Arithmetic.mulScalar(y, 2f)).backward();
        assertArrayEquals(new float[] {2, 2, 2, 2, 2, 2, 2, 2, 2}, x.grad().toArray());
        assertThrows(IllegalArgumentException.class, () -> Regularization.dropout(x, 1f, 5L));
    }

    @Test
    void maskedFillGradient() {
        Tensor x = GradCheck.randn(be, 124, 2, 3);
        Tensor mask = Tensor.of(be, new float[] {1, 0, 0, 0, 1, 1}, 2, 3);
        GradCheck.assertGradients("maskedFill", () -> Regularization.maskedFill(x, mask, -5f), x);
        Tensor row = Tensor.of(be, new float[] {0, 1, 0}, 3);
        GradCheck.assertGradients("maskedFill broadcast", () -> Regularization.maskedFill(x, row, 2f), x);
        Tensor y = GradCheck.randn(be, 125, 2, 3).requiresGrad(true);
        Reductions.sum(Regularization.maskedFill(y, mask, 3f)).backward();
        assertArrayEquals(new float[] {0, 1, 1, 1, 0, 0}, y.grad().toArray(), "no gradient through filled positions");
    }

    @Test
    void maskedFillForwardIncludingMinusInfinity() {
        Tensor x = Tensor.of(be, new float[] {1, 2, 3, 4}, 2, 2), mask = Tensor.of(be, new float[] {0, 1, 1, 0}, 2, 2);
        assertArrayEquals(new float[] {1, 7, 7, 4}, Regularization.maskedFill(x, mask, 7f).toArray());
        float[] inf = Regularization.maskedFill(x, mask, Float.NEGATIVE_INFINITY).toArray();
        assertArrayEquals(new float[] {1, Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY, 4}, inf);
        // the usual use: a masked score gets probability 0
        float[] p = Softmax.softmax(Regularization.maskedFill(x, mask, Float.NEGATIVE_INFINITY), -1).toArray();
        assertArrayEquals(new float[] {1, 0, 0, 1}, p);
    }
}
