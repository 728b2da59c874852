package dev.kiln.backend.cpu;

import dev.kiln.api.tensor.Storage;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Checks of products C = alpha · A · Bᵀ with B stored [n, k], the shape of a linear layer's forward pass. */
final class ProductChecks {
    private ProductChecks() {}

    /** Checks c against alpha · a · bᵀ (+ c0 when accumulate, + bias) in double, within float rounding of Σ|a·b|. */
    static void assertProduct(float[] expectedStart, float[] c, int m, int n, int k, float alpha, float[] a, int ao,
                              int lda, float[] b, int bo, int ldb, int co, int ldc, boolean accumulate, float[] bias) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double dot = 0, magnitude = 0;
                for (int p = 0; p < k; p++) {
                    double t = (double) a[ao + i * lda + p] * b[bo + j * ldb + p];
                    dot += t;
                    magnitude += Math.abs(t);
                }
                int at = co + i * ldc + j;
                double expected = alpha * dot + (accumulate ? expectedStart[at] : 0) + (bias == null ? 0 : bias[j]);
                double tolerance = 1e-5 * (Math.abs(alpha) * magnitude + 1);
                assertEquals(expected, c[at], tolerance, "c[" + i + ", " + j + "] of " + m + " × " + n + " × " + k);
            }
        }
    }

    /** C [m, n] = A [m, k] · Bᵀ through the backend's matmul. */
    static float[] product(CpuBackend be, float[] a, float[] b, int m, int n, int k) {
        Storage c = be.allocate(m * n);
        be.matmul(be.upload(a), be.upload(b), c, 1, m, n, k, false, true, 0, 0, 0, 1f, false);
        return be.download(c);
    }
}
