package dev.kiln.backend.cpu;

import dev.kiln.api.tensor.Storage;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Products of a few dozen rows by a large transposed B (a prompt through a linear layer or the LM head), which the CPU
 * backend runs as Cᵀ = B · Aᵀ: against the product in double, with alpha, accumulate, a bias, offsets, row strides and
 * several K blocks, on its own and through the backend; the same bits on any number of threads and whatever
 * rows are beside a row.
 */
class SwappedProductTest {
    @Test
    void takesAFewDozenRowsByALargeTransposedB() {
        assertTrue(SwappedProduct.takes(9, 2304, 768, false, true));
        assertTrue(SwappedProduct.takes(SwappedProduct.MAX_ROWS, 50257, 768, false, true));
        assertTrue(!SwappedProduct.takes(8, 2304, 768, false, true), "dot products");
        assertTrue(!SwappedProduct.takes(SwappedProduct.MAX_ROWS + 1, 2304, 768, false, true), "the packed GEMM");
        assertTrue(!SwappedProduct.takes(16, 64, 64, false, true), "a small B stays the GEMM's");
        assertTrue(!SwappedProduct.takes(16, 2304, 768, true, true) && !SwappedProduct.takes(16, 2304, 768, false, false));
    }

    @Test
    void matchesTheProductInDoubleAtOffsetsAndStrides() {
        // n not a multiple of a task's rows, k in one and in two K blocks, operands inside larger buffers
        int[][] shapes = {{9, 1000, 300}, {16, 5003, 64}, {33, 700, 1500}, {SwappedProduct.MAX_ROWS, 450, 768}};
        try (Parallel par = new Parallel(2)) {
            SwappedProduct swapped = new SwappedProduct(new Gemm(MicroKernel.best(), Lanes.best(), par), par);
            for (int[] s : shapes) {
                int m = s[0], n = s[1], k = s[2], lda = k + 3, ldb = k + 5, ldc = n + 7, ao = 2, bo = 3, co = 4;
                assertTrue(SwappedProduct.takes(m, n, k, false, true), Arrays.toString(s));
                float[] a = Gaussians.random(1, ao + m * lda), b = Gaussians.random(2, bo + n * ldb), bias = Gaussians.random(4, n);
                float[] c0 = Gaussians.random(3, co + m * ldc + 5);
                for (int variant = 0; variant < 3; variant++) {
                    boolean accumulate = variant == 1;
                    float[] withBias = variant == 2 ? bias : null, c = c0.clone();
                    float alpha = variant == 1 ? -0.5f : 1f;
                    swapped.run(true, m, n, k, alpha, a, ao, lda, b, bo, ldb, c, co, ldc, accumulate, withBias);
                    ProductChecks.assertProduct(c0, c, m, n, k, alpha, a, ao, lda, b, bo, ldb, co, ldc, accumulate, withBias);
                    for (int at = 0; at < c.length; at++) {
                        int row = (at - co) / ldc, col = (at - co) % ldc;
                        if (!(at >= co && row < m && col < n)) assertEquals(c0[at], c[at], "c[" + at + "] is outside the product and was written");
                    }
                }
            }
        }
    }

    @Test
    void theBackendsLinearLayerTakesItWithItsBias() {
        int in = 512, out = 600;
        try (CpuBackend be = new CpuBackend(2)) {
            for (int rows : new int[] {SwappedProduct.MIN_ROWS, 20, SwappedProduct.MAX_ROWS}) {
                float[] x = Gaussians.random(1, rows * in), w = Gaussians.random(2, out * in), bias = Gaussians.random(3, out);
                Storage y = be.upload(Gaussians.random(4, rows * out));
                be.linear(be.upload(x), be.upload(w), be.upload(bias), y, rows, in, out);
                ProductChecks.assertProduct(null, be.download(y), rows, out, in, 1f, x, 0, in, w, 0, in, 0, out, false, bias);
            }
        }
    }

    @Test
    void sameBitsOnAnyNumberOfThreadsAndWhateverRowsAreBeside() {
        // an LM head over a prompt, split into different chunks by 1, 2 and 3 threads; its first rows alone
        int m = 40, n = 5003, k = 768;
        float[] a = Gaussians.random(5, m * k), b = Gaussians.random(6, n * k);
        try (CpuBackend one = new CpuBackend(1); CpuBackend two = new CpuBackend(2); CpuBackend three = new CpuBackend(3)) {
            float[] expected = ProductChecks.product(one, a, b, m, n, k);
            assertTrue(Arrays.stream(new int[] {0, n / 2, m * n - 1}).allMatch(j -> expected[j] != 0f), "a product that computes something");
            assertArrayEquals(expected, ProductChecks.product(two, a, b, m, n, k), "2 threads");
            assertArrayEquals(expected, ProductChecks.product(three, a, b, m, n, k), "3 threads");
            int fewer = 12;
            assertArrayEquals(Arrays.copyOf(expected, fewer * n), ProductChecks.product(two, Arrays.copyOf(a, fewer * k), b, fewer, n, k),
                    "the first " + fewer + " rows alone");
        }
    }
}
