package dev.kiln.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Four rows of A against one row of B at a time ({@link Lanes#dots}): each vector of B is loaded once for four fused
 * multiply-adds instead of once per row, so a few rows by a transposed B run on about one load per FMA instead of
 * two. Every row's sum is formed exactly as {@link VectorLanes#dot} forms it (two accumulators over alternate
 * vectors, their lanewise sum reduced in {@link FixedOrderMath}'s order, then the tail in index order), so a row gets
 * the same bits whether it runs alone or with three others.
 */
final class VectorRowDots {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    private VectorRowDots() {}

    /** out[r] = a[ao + r·lda, +n) · b[bo, bo+n) for r in [0, rows). */
    static void dots(VectorLanes lanes, float[] a, int ao, int lda, int rows, float[] b, int bo, int n, float[] out) {
        int r = 0;
        for (; r + 4 <= rows; r += 4) four(a, ao + r * lda, lda, b, bo, n, out, r);
        for (; r < rows; r++) out[r] = lanes.dot(a, ao + r * lda, b, bo, n);
    }

    private static void four(float[] a, int ao, int lda, float[] b, int bo, int n, float[] out, int r) {
        int o0 = ao, o1 = ao + lda, o2 = ao + 2 * lda, o3 = ao + 3 * lda;
        FloatVector p0 = FloatVector.zero(S), q0 = p0, p1 = p0, q1 = p0, p2 = p0, q2 = p0, p3 = p0, q3 = p0;
        int i = 0;
        for (; i + 2 * L <= n; i += 2 * L) {
            FloatVector x = FloatVector.fromArray(S, b, bo + i), y = FloatVector.fromArray(S, b, bo + i + L);
            p0 = FloatVector.fromArray(S, a, o0 + i).fma(x, p0);
            q0 = FloatVector.fromArray(S, a, o0 + i + L).fma(y, q0);
            p1 = FloatVector.fromArray(S, a, o1 + i).fma(x, p1);
            q1 = FloatVector.fromArray(S, a, o1 + i + L).fma(y, q1);
            p2 = FloatVector.fromArray(S, a, o2 + i).fma(x, p2);
            q2 = FloatVector.fromArray(S, a, o2 + i + L).fma(y, q2);
            p3 = FloatVector.fromArray(S, a, o3 + i).fma(x, p3);
            q3 = FloatVector.fromArray(S, a, o3 + i + L).fma(y, q3);
        }
        out[r] = tail(FixedOrderMath.sum(ExactVector.CLASS.cast(p0).add(q0)), a, o0, b, bo, i, n);
        out[r + 1] = tail(FixedOrderMath.sum(ExactVector.CLASS.cast(p1).add(q1)), a, o1, b, bo, i, n);
        out[r + 2] = tail(FixedOrderMath.sum(ExactVector.CLASS.cast(p2).add(q2)), a, o2, b, bo, i, n);
        out[r + 3] = tail(FixedOrderMath.sum(ExactVector.CLASS.cast(p3).add(q3)), a, o3, b, bo, i, n);
    }

    /** s plus a[ao+p]·b[bo+p] for p in [from, n), one at a time, as {@link VectorLanes#dot} ends. */
    private static float tail(float s, float[] a, int ao, float[] b, int bo, int from, int n) {
        for (int p = from; p < n; p++) s += a[ao + p] * b[bo + p];
        return s;
    }
}
