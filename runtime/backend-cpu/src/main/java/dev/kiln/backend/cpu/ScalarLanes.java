package dev.kiln.backend.cpu;

/** {@link Lanes} in plain Java: four independent accumulators for instruction-level parallelism. */
final class ScalarLanes implements Lanes {

    @Override
    public float dot(float[] a, int ao, float[] b, int bo, int n) {
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int i = 0;
        for (; i + 3 < n; i += 4) {
            s0 += a[ao + i] * b[bo + i];
            s1 += a[ao + i + 1] * b[bo + i + 1];
            s2 += a[ao + i + 2] * b[bo + i + 2];
            s3 += a[ao + i + 3] * b[bo + i + 3];
        }
        for (; i < n; i++) s0 += a[ao + i] * b[bo + i];
        return (s0 + s1) + (s2 + s3);
    }

    @Override
    public float sum(float[] a, int o, int n) {
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int i = 0;
        for (; i + 3 < n; i += 4) {
            s0 += a[o + i];
            s1 += a[o + i + 1];
            s2 += a[o + i + 2];
            s3 += a[o + i + 3];
        }
        for (; i < n; i++) s0 += a[o + i];
        return (s0 + s1) + (s2 + s3);
    }

    @Override
    public float max(float[] a, int o, int n) {
        float m = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) m = Math.max(m, a[o + i]);
        return m;
    }

    @Override
    public float sumSquares(float[] a, int o, int n, float shift) {
        float s0 = 0, s1 = 0;
        int i = 0;
        for (; i + 1 < n; i += 2) {
            float d0 = a[o + i] - shift, d1 = a[o + i + 1] - shift;
            s0 += d0 * d0;
            s1 += d1 * d1;
        }
        for (; i < n; i++) s0 += (a[o + i] - shift) * (a[o + i] - shift);
        return s0 + s1;
    }

    @Override
    public void adamw(float[] p, float[] g, float[] m, float[] v, int from, int to, float lr, float beta1, float beta2,
                      float eps, float wd, float bc1, float bc2) {
        float ib1 = 1f / bc1, ib2 = 1f / bc2;
        for (int i = from; i < to; i++) {
            float gi = g[i];
            float mi = beta1 * m[i] + (1 - beta1) * gi, vi = beta2 * v[i] + (1 - beta2) * gi * gi;
            m[i] = mi;
            v[i] = vi;
            p[i] -= lr * (wd * p[i] + (mi * ib1) / ((float) Math.sqrt(vi * ib2) + eps));
        }
    }
}
