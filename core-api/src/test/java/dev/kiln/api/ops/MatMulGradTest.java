package dev.kiln.api.ops;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Arrays;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** matmul: every transpose combination, batched, a shared matrix on either side, empty dims. */
class MatMulGradTest {
    private final Backend be = new NaiveBackend();

    /** batch dims of a and b (null: plain matrix), for M=3, K=4, N=5 and every transpose pair. */
    static Stream<Arguments> cases() {
        int[][][] batches = {
                {{}, {}},           // plain matrices
                {{2}, {2}},         // batched
                {{2, 2}, {2, 2}},   // two batch dims
                {{3}, {}},          // b shared by every batch entry (Linear)
                {{2, 2}, {}},       // b shared, two batch dims
                {{}, {3}},          // a shared
                {{1}, {1}},         // batch of one
        };
        return Arrays.stream(batches).flatMap(bd -> Stream.of(
                Arguments.of(bd[0], bd[1], false, false), Arguments.of(bd[0], bd[1], false, true),
                Arguments.of(bd[0], bd[1], true, false), Arguments.of(bd[0], bd[1], true, true)));
    }

    private static int[] dims(int[] batch, int r, int c) {
        int[] d = Arrays.copyOf(batch, batch.length + 2);
        d[batch.length] = r;
        d[batch.length + 1] = c;
        return d;
    }

    @ParameterizedTest(name = "a{0} b{1} transA={2} transB={3}")
    @MethodSource("cases")
    void gradient(int[] batchA, int[] batchB, boolean transA, boolean transB) {
        int m = 3, k = 4, n = 5;
        Tensor a = GradCheck.randn(be, 31, transA ? dims(batchA, k, m) : dims(batchA, m, k));
        Tensor b = GradCheck.randn(be, 32, transB ? dims(batchB, n, k) : dims(batchB, k, n));
        GradCheck.assertGradients("matmul " + a.shape() + " " + b.shape() + " " + transA + " " + transB,
                () -> MatMul.matmul(a, b, transA, transB), a, b);
    }

    @Test
    void forwardMatchesHandComputation() {
        Tensor a = Tensor.of(be, new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
        Tensor b = Tensor.of(be, new float[] {7, 8, 9, 10, 11, 12}, 3, 2);
        assertArrayEquals(new float[] {58, 64, 139, 154}, MatMul.matmul(a, b).toArray());
        // transA: aᵀ·a, [3, 3]
        assertArrayEquals(new float[] {17, 22, 27, 22, 29, 36, 27, 36, 45}, MatMul.matmul(a, a, true, false).toArray());
        // transB: a·aᵀ = [[14, 32], [32, 77]]
        assertArrayEquals(new float[] {14, 32, 32, 77}, MatMul.matmul(a, a, false, true).toArray());
        // shared b over a batch of two copies of a
        Tensor batched = Tensor.of(be, new float[] {1, 2, 3, 4, 5, 6, 1, 0, 0, 0, 1, 0}, 2, 2, 3);
        assertArrayEquals(new float[] {58, 64, 139, 154, 7, 8, 9, 10}, MatMul.matmul(batched, b).toArray());
    }

    @Test
    void emptyInnerDimensionGivesZerosAndEmptyGradients() {
        Tensor a = Tensor.zeros(be, 2, 0).requiresGrad(true), b = Tensor.zeros(be, 0, 3).requiresGrad(true);
        Tensor out = MatMul.matmul(a, b);
        assertArrayEquals(new int[] {2, 3}, out.dims());
        assertArrayEquals(new float[6], out.toArray());
        Reductions.sum(out).backward();
        assertEquals(0, a.grad().size());
        assertEquals(0, b.grad().size());
    }

    @Test
    void emptyRowsOrColumnsOrBatch() {
        Tensor a = Tensor.zeros(be, 0, 4).requiresGrad(true), b = GradCheck.randn(be, 33, 4, 3).requiresGrad(true);
        Tensor out = MatMul.matmul(a, b);
        assertArrayEquals(new int[] {0, 3}, out.dims());
        Reductions.sum(out).backward();
        assertArrayEquals(new float[12], b.grad().toArray(), "no rows, so no gradient for b");

        Tensor c = GradCheck.randn(be, 34, 2, 4).requiresGrad(true), d = Tensor.zeros(be, 4, 0).requiresGrad(true);
        Tensor out2 = MatMul.matmul(c, d);
        assertArrayEquals(new int[] {2, 0}, out2.dims());
        Reductions.sum(out2).backward();
        assertArrayEquals(new float[8], c.grad().toArray());

        Tensor e = Tensor.zeros(be, 0, 2, 4).requiresGrad(true), w = GradCheck.randn(be, 35, 4, 3).requiresGrad(true);
        Tensor out3 = MatMul.matmul(e, w);
        assertArrayEquals(new int[] {0, 2, 3}, out3.dims());
        Reductions.sum(out3).backward();
        assertArrayEquals(new float[12], w.grad().toArray());
    }

    @Test
    void mismatchedShapesAreRejected() {
        Tensor a = Tensor.zeros(be, 2, 3), b = Tensor.zeros(be, 4, 2);
        assertThrows(IllegalArgumentException.class, () -> MatMul.matmul(a, b));
        assertThrows(IllegalArgumentException.class, () -> MatMul.matmul(Tensor.zeros(be, 2, 2, 3), Tensor.zeros(be, 3, 3, 2)));
        assertThrows(IllegalArgumentException.class, () -> MatMul.matmul(Tensor.zeros(be, 3), Tensor.zeros(be, 3, 2)));
    }

    /** linear(x, w, b) is matmul(x, w, false, true) + b, with the gradients of all three, for x of rank 1 to 3. */
    @Test
    void linearIsTheProductPlusTheBias() {
        for (int[] xd : new int[][] {{4}, {3, 4}, {2, 3, 4}}) {
            Tensor x = GradCheck.randn(be, 31, xd), w = GradCheck.randn(be, 32, 5, 4), b = GradCheck.randn(be, 33, 5);
            GradCheck.assertGradients("linear " + Arrays.toString(xd), () -> MatMul.linear(x, w, b), x, w, b);
            if (xd.length > 1) {
                assertArrayEquals(Arithmetic.add(MatMul.matmul(x, w, false, true), b).toArray(), MatMul.linear(x, w, b).toArray(), 1e-6f);
            }
            int[] outDims = xd.clone();
            outDims[outDims.length - 1] = 5;
            assertArrayEquals(outDims, MatMul.linear(x, w, b).dims());
        }
        Tensor none = Tensor.of(be, new float[0], 3, 0), bias = Tensor.of(be, new float[] {1, 2}, 2);
        assertArrayEquals(new float[] {1, 2, 1, 2, 1, 2}, MatMul.linear(none, Tensor.of(be, new float[0], 2, 0), bias).toArray(),
                "no inputs: every row is the bias");
        Tensor x = GradCheck.randn(be, 34, 3, 4), w = GradCheck.randn(be, 35, 5, 4);
        assertThrows(IllegalArgumentException.class, () -> MatMul.linear(x, w, GradCheck.randn(be, 36, 4)), "bias of the wrong width");
        assertThrows(IllegalArgumentException.class, () -> MatMul.linear(GradCheck.randn(be, 37, 3, 5), w, GradCheck.randn(be, 38, 5)));
    }
}
