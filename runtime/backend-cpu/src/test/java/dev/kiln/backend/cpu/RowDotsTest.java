package dev.kiln.backend.cpu;

import dev.kiln.api.tensor.Storage;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Products of up to {@link RowDots#MAX_ROWS} rows by a transposed B (decode-time linear layers and LM heads), which the
 * CPU backend runs as dot products over B's rows where B is large or the rows are few: against the product in double,
 * with alpha, accumulate, a bias, offsets and row strides, on the vector and scalar kernels; each row with a lone dot
 * product's bits; the same bits on any number of threads.
 */
class RowDotsTest {
    @Test
    void matchesTheProductInDouble() {
        int[][] shapes = {{1, 1}, {17, 15}, {300, 16}, {129, 33}, {2000, 768}};     // n, k: tails, one vector, two, many
        for (boolean vector : new boolean[] {true, false}) {
            try (Parallel par = new Parallel(2)) {
                RowDots dots = new RowDots(vector ? Lanes.best() : new ScalarLanes(), par);
                for (int m : new int[] {1, 2, 3, 4, 7, RowDots.MAX_ROWS}) {
                    for (int[] s : shapes) {
                        int n = s[0], k = s[1];
                        for (boolean accumulate : new boolean[] {false, true}) {
                            float alpha = accumulate ? 0.5f : 1f;
                            float[] a = Gaussians.random(1, m * k), b = Gaussians.random(2, n * k), c0 = Gaussians.random(3, m * n);
                            float[] c = c0.clone();
                            dots.run(true, m, n, k, alpha, a, 0, k, b, 0, k, c, 0, n, accumulate, null);
                            ProductChecks.assertProduct(c0, c, m, n, k, alpha, a, 0, k, b, 0, k, 0, n, accumulate, null);
                        }
                    }
                }
            }
        }
    }

    @Test
    void theBackendsProductsOfFewRowsAreRight() {
        // through CpuBackend.matmul, whichever of the two paths each shape takes: few rows by a large B (a decode
        // step's weights) and by a small one (attention's last block of a short sequence)
        int[][] shapes = {{1, 2000, 768}, {4, 64, 32}, {16, 80, 32}, {RowDots.MAX_ROWS, 600, 512}, {RowDots.MAX_ROWS, 128, 64}};
        try (CpuBackend be = new CpuBackend(2)) {
            for (int[] s : shapes) {
                int m = s[0], n = s[1], k = s[2];
                float[] a = Gaussians.random(1, m * k), b = Gaussians.random(2, n * k), c0 = Gaussians.random(3, m * n);
                Storage c = be.upload(c0);
                be.matmul(be.upload(a), be.upload(b), c, 1, m, n, k, false, true, 0, 0, 0, 0.5f, true);
                ProductChecks.assertProduct(c0, be.download(c), m, n, k, 0.5f, a, 0, k, b, 0, k, 0, n, true, null);
            }
        }
    }

    @Test
    void linearAddsItsBiasToEachRow() {
        int in = 512, out = 600;        // a weight of at least RowDots' large B, so every row count here takes it
        try (CpuBackend be = new CpuBackend(2)) {
            for (int rows : new int[] {1, 2, 4, 6, 9, RowDots.MAX_ROWS}) {
                float[] x = Gaussians.random(1, rows * in), w = Gaussians.random(2, out * in), bias = Gaussians.random(3, out);
                Storage y = be.upload(Gaussians.random(4, rows * out));
                be.linear(be.upload(x), be.upload(w), be.upload(bias), y, rows, in, out);
                ProductChecks.assertProduct(null, be.download(y), rows, out, in, 1f, x, 0, in, w, 0, in, 0, out, false, bias);
            }
        }
    }

    @Test
    void readsAndWritesOnlyItsOwnRowsAtOffsetsAndStrides() {
        // a query row against cached keys: operands inside larger buffers, rows further apart than they are long
        int m = 3, n = 40, k = 24, lda = 30, ldb = 27, ldc = 45, ao = 5, bo = 7, co = 11;
        float[] a = Gaussians.random(1, ao + m * lda), b = Gaussians.random(2, bo + n * ldb), c0 = Gaussians.random(3, co + m * ldc + 9);
        try (Parallel par = new Parallel(2)) {
            RowDots dots = new RowDots(Lanes.best(), par);
            for (boolean accumulate : new boolean[] {false, true}) {
                float[] c = c0.clone();
                dots.run(true, m, n, k, -2f, a, ao, lda, b, bo, ldb, c, co, ldc, accumulate, null);
                ProductChecks.assertProduct(c0, c, m, n, k, -2f, a, ao, lda, b, bo, ldb, co, ldc, accumulate, null);
                for (int at = 0; at < c.length; at++) {
                    int row = (at - co) / ldc, col = (at - co) % ldc;
                    boolean inside = at >= co && row < m && col < n;
                    if (!inside) assertEquals(c0[at], c[at], "c[" + at + "] is outside the product and was written");
                }
            }
        }
    }

    @Test
    void sameBitsOnAnyNumberOfThreads() {
        // an LM head at decode, split into different chunks by 2 and 3 threads
        int n = 5003, k = 768;
        float[] b = Gaussians.random(2, n * k);
        try (CpuBackend one = new CpuBackend(1); CpuBackend two = new CpuBackend(2); CpuBackend three = new CpuBackend(3)) {
            for (int m : new int[] {1, 5, RowDots.MAX_ROWS}) {
                float[] a = Gaussians.random(m, m * k);
                float[] expected = ProductChecks.product(one, a, b, m, n, k);
                assertTrue(Arrays.stream(new int[] {0, n / 2, n - 1}).allMatch(j -> expected[j] != 0f), "a product that computes something");
                assertArrayEquals(expected, ProductChecks.product(two, a, b, m, n, k), "2 threads, " + m + " rows");
                assertArrayEquals(expected, ProductChecks.product(three, a, b, m, n, k), "3 threads, " + m + " rows");
            }
        }
    }

    @Test
    void rowsInFoursGiveEachRowItsOwnDotsBits() {
        // the vector kernel takes four rows per load of B; each row must still sum as a dot product alone does, so a
        // sequence's logits do not depend on how many others are decoded beside it
        Lanes lanes = Lanes.best();
        for (int n : new int[] {1, 15, 16, 32, 47, 768, 3072}) {
            int rows = 11, lda = n + 3;
            float[] a = Gaussians.random(n, rows * lda), b = Gaussians.random(n + 1, n + 5), out = new float[rows];
            lanes.dots(a, 2, lda, rows, b, 5, n, out);
            for (int r = 0; r < rows; r++) {
                assertEquals(Float.floatToRawIntBits(lanes.dot(a, 2 + r * lda, b, 5, n)), Float.floatToRawIntBits(out[r]),
                        "row " + r + " of " + rows + ", n " + n);
            }
        }
    }
}
