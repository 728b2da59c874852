package dev.kiln.api.ops;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** softmax and log-softmax along the last and non-last axes. */
class SoftmaxGradTest {
    private final Backend be = new NaiveBackend();

    @ParameterizedTest(name = "axis {0}")
    @ValueSource(ints = {-1, 2, 1, 0})
    void gradient(int axis) {
        Tensor x = GradCheck.randn(be, 61, 2, 3, 4);
        GradCheck.assertGradients("softmax axis " + axis, () -> Softmax.softmax(x, axis), x);
        GradCheck.assertGradients("logSoftmax axis " + axis, () -> Softmax.logSoftmax(x, axis), x);
    }

    @Test
    void gradientOfARowOfOne() {
        // softmax over a length-1 axis is constant 1: only log-softmax of a wider row is non-trivial
        Tensor x = GradCheck.randn(be, 62, 3, 1);
        Tensor y = Softmax.softmax(x, -1);
        assertArrayEquals(new float[] {1, 1, 1}, y.toArray());
        GradCheck.assertGradients("softmax over rows", () -> Softmax.softmax(x, 0), x);
    }

    @Test
    void forwardValues() {
        float ln2 = (float) Math.log(2);
        Tensor x = Tensor.of(be, new float[] {0, ln2, 100, 100 + ln2}, 2, 2);
        assertArrayEquals(new float[] {1f / 3, 2f / 3, 1f / 3, 2f / 3}, Softmax.softmax(x, -1).toArray(), 1e-6f);
        float l3 = (float) Math.log(3);
        assertArrayEquals(new float[] {-l3, ln2 - l3, -l3, ln2 - l3}, Softmax.logSoftmax(x, -1).toArray(), 1e-5f);
        // along axis 0 the columns are normalized: column 0 is (0, 100)
        float[] col = Softmax.softmax(x, 0).toArray();
        assertEquals(1f, col[0] + col[2], 1e-6f);
        assertEquals(1f, col[2], 1e-6f);
        assertEquals((float) Math.exp(-100), col[0], 1e-40f);
    }
}
