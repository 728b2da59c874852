package dev.kiln.backend.cpu;

/** A 4 × 4 micro-kernel in plain Java: sixteen scalar accumulators kept in registers. */
final class ScalarMicroKernel implements MicroKernel {
    private static final int MR = 4, NR = 4;

    @Override
    public int mr() { return MR; }

    @Override
    public int nr() { return NR; }

    @Override
    public String description() { return "scalar 4x4"; }

    @Override
    public void run(int kc, float[] ap, int apo, float[] bp, int bpo, float[] c, int co, int ldc,
                    float alpha, boolean add) {
        float c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0, c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
        for (int p = 0, a = apo, b = bpo; p < kc; p++, a += MR, b += NR) {
            float b0 = bp[b], b1 = bp[b + 1], b2 = bp[b + 2], b3 = bp[b + 3];
            float a0 = ap[a + 0];
            c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
            float a1 = ap[a + 1];
            c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
            float a2 = ap[a + 2];
            c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
            float a3 = ap[a + 3];
            c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
        }
        store(c, co + 0 * ldc, c00, c01, c02, c03, alpha, add);
        store(c, co + 1 * ldc, c10, c11, c12, c13, alpha, add);
        store(c, co + 2 * ldc, c20, c21, c22, c23, alpha, add);
        store(c, co + 3 * ldc, c30, c31, c32, c33, alpha, add);
    }

    private static void store(float[] c, int o, float v0, float v1, float v2, float v3, float alpha, boolean add) {
        c[o] = add ? c[o] + alpha * v0 : alpha * v0;
        c[o + 1] = add ? c[o + 1] + alpha * v1 : alpha * v1;
        c[o + 2] = add ? c[o + 2] + alpha * v2 : alpha * v2;
        c[o + 3] = add ? c[o + 3] + alpha * v3 : alpha * v3;
    }
}
