package dev.kiln.backend.cpu;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.ops.MatMul;
import dev.kiln.api.tensor.Storage;
import dev.kiln.api.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The CPU backend's linear-layer gradients on two threads, where the input gradient runs on one thread and the
 * weight gradient on the other, and the bias's gradient on the first to finish: the same bits as one thread (each
 * product's scratch is its own thread's), and the product of a matrix with itself (both gradients into one storage)
 * still right.
 */
class LinearBackwardTest {
    /** gx, gw after linearBackward on {@code be}, both targets starting from the same values. */
    private static float[][] gradients(Backend be, int rows, int in, int out, boolean accumulateX, boolean accumulateW) {
        Storage gx = be.upload(Gaussians.random(4, rows * in)), gw = be.upload(Gaussians.random(5, out * in));
        Storage gy = be.upload(Gaussians.random(1, rows * out)), x = be.upload(Gaussians.random(2, rows * in));
        be.linearBackward(gy, x, be.upload(Gaussians.random(3, out * in)), gx, accumulateX, gw, accumulateW, rows, in, out);
        return new float[][] {be.download(gx), be.download(gw)};
    }

    @Test
    void twoThreadsGiveOneThreadsBits() {
        // products of a bench step's shapes (packed and unpacked A, several K blocks, edge tiles), run a few times so
        // the two threads' products overlap in time
        int[][] shapes = {{1024, 128, 384}, {512, 256, 1024}, {300, 1100, 13}, {2048, 64, 512}};
        try (CpuBackend two = new CpuBackend(2); CpuBackend one = new CpuBackend(1)) {
            for (int[] s : shapes) {
                for (int flags = 0; flags < 4; flags++) {
                    boolean accX = (flags & 1) != 0, accW = (flags & 2) != 0;
                    float[][] expected = gradients(one, s[0], s[1], s[2], accX, accW);
                    for (int repeat = 0; repeat < 3; repeat++) {
                        float[][] actual = gradients(two, s[0], s[1], s[2], accX, accW);
                        String what = java.util.Arrays.toString(s) + " accumulate " + accX + "/" + accW;
                        assertArrayEquals(expected[0], actual[0], "input gradient, " + what);
                        assertArrayEquals(expected[1], actual[1], "weight gradient, " + what);
                    }
                }
            }
        }
    }

    /** gx, gw and gb after the call with the bias's gradient on {@code be}, the targets starting from the same values. */
    private static float[][] gradientsWithBias(Backend be, int rows, int in, int out, boolean accumulate) {
        Storage gx = be.upload(Gaussians.random(4, rows * in)), gw = be.upload(Gaussians.random(5, out * in));
        Storage gb = be.upload(Gaussians.random(6, out));
        Storage gy = be.upload(Gaussians.random(1, rows * out)), x = be.upload(Gaussians.random(2, rows * in));
        be.linearBackward(gy, x, be.upload(Gaussians.random(3, out * in)), gx, accumulate, gw, accumulate, gb, accumulate, rows, in, out);
        return new float[][] {be.download(gx), be.download(gw), be.download(gb)};
    }

    @Test
    void theBiasGradientOnTwoThreadsHasTheColumnSumsBits() {
        // on two threads the column sums run on whichever thread finishes its product first, alone; on one, as
        // reduceSumTo after the products
        int[][] shapes = {{1024, 256, 768}, {300, 1100, 13}, {64, 48, 1024}};
        try (CpuBackend two = new CpuBackend(2); CpuBackend one = new CpuBackend(1)) {
            for (int[] s : shapes) {
                for (boolean accumulate : new boolean[] {false, true}) {
                    int rows = s[0], out = s[2];
                    float[] gb = Gaussians.random(6, out), gy = Gaussians.random(1, rows * out);
                    Storage sums = one.upload(gb);
                    one.reduceSumTo(one.upload(gy), new int[] {rows, out}, sums, new int[] {1, out}, accumulate);
                    float[][] expected = gradientsWithBias(one, s[0], s[1], s[2], accumulate);
                    assertArrayEquals(one.download(sums), expected[2], "one thread's bias gradient is reduceSumTo's");
                    for (int repeat = 0; repeat < 3; repeat++) {
                        float[][] actual = gradientsWithBias(two, s[0], s[1], s[2], accumulate);
                        String what = java.util.Arrays.toString(s) + " accumulate " + accumulate;
                        assertArrayEquals(expected[0], actual[0], "input gradient, " + what);
                        assertArrayEquals(expected[1], actual[1], "weight gradient, " + what);
                        assertArrayEquals(expected[2], actual[2], "bias gradient, " + what);
                    }
                }
            }
        }
    }

    @Test
    void matrixTimesItsOwnTransposeOnTwoThreads() {
        // y = x · xᵀ: x is the linear layer's input and its weight, so both products add into x's one gradient
        int rows = 37, cols = 300;
        float[] x0 = Gaussians.random(7, rows * cols), gy = Gaussians.random(8, rows * rows);
        float[] expected = gramGradient(new NaiveBackend(), x0, gy, rows, cols);
        try (CpuBackend two = new CpuBackend(2)) {
            float[] actual = gramGradient(two, x0, gy, rows, cols);
            for (int i = 0; i < expected.length; i++)
                assertEquals(expected[i], actual[i], 1e-3 + 1e-4 * Math.abs(expected[i]), "dx[" + i + "]");
        }
    }

    private static float[] gramGradient(Backend be, float[] x0, float[] gy, int rows, int cols) {
        Tensor x = Tensor.of(be, x0, rows, cols).requiresGrad(true);
        MatMul.matmul(x, x, false, true).backward(be.upload(gy));
        return x.grad().toArray();
    }
}
