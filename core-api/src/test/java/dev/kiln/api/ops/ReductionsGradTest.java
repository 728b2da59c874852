package dev.kiln.api.ops;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** sum / mean / max over everything and along each axis, keepDim both ways. */
class ReductionsGradTest {
    private final Backend be = new NaiveBackend();

    @Test
    void allElements() {
        Tensor x = GradCheck.randn(be, 51, 3, 4);
        GradCheck.assertGradients("sum()", () -> Reductions.sum(Activations.square(x)), x);
        GradCheck.assertGradients("mean()", () -> Reductions.mean(Activations.square(x)), x);
        Tensor s = GradCheck.randn(be, 52, 1);
        GradCheck.assertGradients("sum() of [1]", () -> Reductions.sum(Activations.square(s)), s);
    }

    @ParameterizedTest(name = "axis {0} keepDim {1}")
    @CsvSource({"0,true", "0,false", "1,true", "1,false", "2,true", "2,false", "-1,true", "-1,false"})
    void alongAxis(int axis, boolean keepDim) {
        Tensor x = GradCheck.randn(be, 53, 2, 3, 4);
        GradCheck.assertGradients("sum axis " + axis, () -> Activations.square(Reductions.sum(x, axis, keepDim)), x);
        GradCheck.assertGradients("mean axis " + axis, () -> Activations.square(Reductions.mean(x, axis, keepDim)), x);
        // distinct values 0.1 apart: no ties within the finite-difference step
        Tensor d = GradCheck.distinct(be, 54, 0.1f, 2, 3, 4);
        GradCheck.assertGradients("max axis " + axis, () -> Activations.square(Reductions.max(d, axis, keepDim)), d);
        int ax = axis < 0 ? 3 + axis : axis;
        int[] expected = keepDim ? new int[] {2, 3, 4} : new int[2];
        if (keepDim) expected[ax] = 1;
        else for (int i = 0, j = 0; i < 3; i++) if (i != ax) expected[j++] = x.dim(i);
        assertArrayEquals(expected, Reductions.sum(x, axis, keepDim).dims());
    }

    @Test
    void forwardValues() {
        Tensor m = Tensor.of(be, new float[] {1, 5, 3, -4, 2, 0}, 2, 3);
        assertEquals(7f, Reductions.sum(m).item());
        assertEquals(7f / 6, Reductions.mean(m).item(), 1e-6f);
        assertArrayEquals(new float[] {-3, 7, 3}, Reductions.sum(m, 0, false).toArray());
        assertArrayEquals(new float[] {3, -2f / 3}, Reductions.mean(m, 1, true).toArray(), 1e-6f);
        assertArrayEquals(new float[] {5, 2}, Reductions.max(m, -1, false).toArray());
        assertArrayEquals(new float[] {1, 5, 3}, Reductions.max(m, 0, true).toArray());
        assertArrayEquals(new int[] {1, 3}, Reductions.max(m, 0, true).dims());
    }

    @Test
    void maxSharesTheGradientAmongTies() {
        Tensor x = Tensor.of(be, new float[] {1, 3, 3, 2}, 4).requiresGrad(true);
        Reductions.sum(Reductions.max(x, 0, false)).backward();
        assertArrayEquals(new float[] {0, 0.5f, 0.5f, 0}, x.grad().toArray());
    }
}
