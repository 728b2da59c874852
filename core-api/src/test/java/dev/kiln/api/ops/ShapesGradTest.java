package dev.kiln.api.ops;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** reshape, permute, transpose, slice, concat, stack: gradients and forward layouts. */
class ShapesGradTest {
    private final Backend be = new NaiveBackend();

    @Test
    void reshape() {
        Tensor x = GradCheck.randn(be, 41, 2, 3, 4);
        // reshape shares storage; square afterwards so the gradient depends on the values
        GradCheck.assertGradients("reshape [6, -1]", () -> Activations.square(Shapes.reshape(x, 6, -1)), x);
        GradCheck.assertGradients("view [24]", () -> Activations.square(Shapes.view(x, 24)), x);
        assertArrayEquals(new int[] {4, 6}, Shapes.reshape(x, -1, 6).dims());
        assertThrows(IllegalArgumentException.class, () -> Shapes.reshape(x, 5, -1));
    }

    @Test
    void permuteAndTranspose() {
        Tensor x = GradCheck.randn(be, 42, 2, 3, 4);
        GradCheck.assertGradients("permute 2,0,1", () -> Activations.square(Shapes.permute(x, 2, 0, 1)), x);
        GradCheck.assertGradients("permute 1,-1,0", () -> Activations.square(Shapes.permute(x, 1, -1, 0)), x);
        GradCheck.assertGradients("transpose 0,-1", () -> Activations.square(Shapes.transpose(x, 0, -1)), x);
        Tensor m = Tensor.of(be, new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
        Tensor t = Shapes.transpose(m, 0, 1);
        assertArrayEquals(new int[] {3, 2}, t.dims());
        assertArrayEquals(new float[] {1, 4, 2, 5, 3, 6}, t.toArray());
        assertThrows(IllegalArgumentException.class, () -> Shapes.permute(x, 0, 0, 1));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, -1})
    void slice(int axis) {
        Tensor x = GradCheck.randn(be, 43, 3, 4, 5);
        int len = x.dim(axis);
        GradCheck.assertGradients("slice axis " + axis, () -> Activations.square(Shapes.slice(x, axis, 1, len)), x);
        GradCheck.assertGradients("slice axis " + axis + " twice",
                () -> Arithmetic.mul(Shapes.slice(x, axis, 0, 2), Shapes.slice(x, axis, 1, 3)), x);
    }

    @Test
    void sliceForwardAndEmptySlice() {
        Tensor m = Tensor.of(be, new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
        assertArrayEquals(new float[] {2, 3, 5, 6}, Shapes.slice(m, 1, 1, 3).toArray());
        assertArrayEquals(new float[] {4, 5, 6}, Shapes.slice(m, 0, 1, 2).toArray());
        assertArrayEquals(new int[] {2, 0}, Shapes.slice(m, 1, 2, 2).dims());
        assertThrows(IllegalArgumentException.class, () -> Shapes.slice(m, 1, 2, 4));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, -1})
    void concat(int axis) {
        int[] da = {2, 3, 4}, db = {2, 3, 4};
        int ax = axis < 0 ? 3 + axis : axis;
        db[ax] = 1;
        Tensor a = GradCheck.randn(be, 44, da), b = GradCheck.randn(be, 45, db), c = GradCheck.randn(be, 46, da);
        GradCheck.assertGradients("concat axis " + axis,
                () -> Activations.square(Shapes.concat(axis, List.of(a, b, c))), a, b, c);
        GradCheck.assertGradients("concat of one tensor twice",
                () -> Activations.square(Shapes.concat(axis, List.of(a, b, a))), a, b);
    }

    @Test
    void concatForward() {
        Tensor a = Tensor.of(be, new float[] {1, 2, 3, 4}, 2, 2), b = Tensor.of(be, new float[] {5, 6}, 2, 1);
        assertArrayEquals(new float[] {1, 2, 5, 3, 4, 6}, Shapes.concat(1, List.of(a, b)).toArray());
        assertArrayEquals(new float[] {1, 2, 3, 4, 1, 2, 3, 4}, Shapes.concat(0, List.of(a, a)).toArray());
        assertThrows(IllegalArgumentException.class, () -> Shapes.concat(0, List.of(a, b)));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, -1})
    void stack(int axis) {
        Tensor a = GradCheck.randn(be, 47, 2, 3), b = GradCheck.randn(be, 48, 2, 3);
        GradCheck.assertGradients("stack axis " + axis, () -> Activations.square(Shapes.stack(axis, List.of(a, b))), a, b);
        int[] expected = {2, 3};
        int ax = axis < 0 ? 3 + axis : axis;
        int[] full = new int[3];
        for (int i = 0, j = 0; i < 3; i++) full[i] = i == ax ? 2 : expected[j++];
        assertArrayEquals(full, Shapes.stack(axis, List.of(a, b)).dims());
    }

    @Test
    void stackForward() {
        Tensor a = Tensor.of(be, new float[] {1, 2}, 2), b = Tensor.of(be, new float[] {3, 4}, 2);
        assertArrayEquals(new float[] {1, 2, 3, 4}, Shapes.stack(0, List.of(a, b)).toArray());
        assertArrayEquals(new float[] {1, 3, 2, 4}, Shapes.stack(1, List.of(a, b)).toArray());
    }
}
