package dev.kiln.backend.cpu;

/**
 * Reductions and the AdamW update over float runs, in SIMD lanes where the Vector API is present.
 * Reductions C2 cannot auto-vectorize (float order), so they get an explicit lane-parallel form.
 */
interface Lanes {
    // a[ao, ao+n) · b[bo, bo+n)
    float dot(float[] a, int ao, float[] b, int bo, int n);

    // Σ a[o, o+n)
    float sum(float[] a, int o, int n);

    // max a[o, o+n); −∞ when n == 0
    float max(float[] a, int o, int n);

    // Σ (a[i] − shift)² over [o, o+n)
    float sumSquares(float[] a, int o, int n, float shift);

    // p, g, m, v: [from, to); bc1 = 1 − β1^t, bc2 = 1 − β2^t
    void adamw(float[] p, float[] g, float[] m, float[] v, int from, int to, float lr, float beta1, float beta2,
               float eps, float wd, float bc1, float bc2);

    static Lanes best() {
        return MicroKernel.VECTOR_API ? VectorLanes.create() : new ScalarLanes();
    }
}
