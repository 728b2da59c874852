package dev.kiln.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** {@link Lanes} with the Vector API; the tails fall back to scalar code. */
final class VectorLanes implements Lanes {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final ScalarLanes TAIL = new ScalarLanes();

    static Lanes create() { return new VectorLanes(); }

    @Override
    public float dot(float[] a, int ao, float[] b, int bo, int n) {
        FloatVector acc0 = FloatVector.zero(S), acc1 = acc0;
        int i = 0;
        for (; i + 2 * L <= n; i += 2 * L) {
            acc0 = FloatVector.fromArray(S, a, ao + i).fma(FloatVector.fromArray(S, b, bo + i), acc0);
            acc1 = FloatVector.fromArray(S, a, ao + i + L).fma(FloatVector.fromArray(S, b, bo + i + L), acc1);
        }
        float s = acc0.add(acc1).reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) s += a[ao + i] * b[bo + i];
        return s;
    }

    @Override
    public float sum(float[] a, int o, int n) {
        FloatVector acc0 = FloatVector.zero(S), acc1 = acc0;
        int i = 0;
        for (; i + 2 * L <= n; i += 2 * L) {
            acc0 = acc0.add(FloatVector.fromArray(S, a, o + i));
            acc1 = acc1.add(FloatVector.fromArray(S, a, o + i + L));
        }
        float s = acc0.add(acc1).reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) s += a[o + i];
        return s;
    }

    @Override
    public float max(float[] a, int o, int n) {
        FloatVector acc = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        int i = 0;
        for (; i + L <= n; i += L) acc = acc.max(FloatVector.fromArray(S, a, o + i));
        float m = acc.reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) m = Math.max(m, a[o + i]);
        return m;
    }

    @Override
    public float sumSquares(float[] a, int o, int n, float shift) {
        FloatVector acc = FloatVector.zero(S), sh = FloatVector.broadcast(S, shift);
        int i = 0;
        for (; i + L <= n; i += L) {
            FloatVector d = FloatVector.fromArray(S, a, o + i).sub(sh);
            acc = d.fma(d, acc);
        }
        float s = acc.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) s += (a[o + i] - shift) * (a[o + i] - shift);
        return s;
    }

    @Override
    public void adamw(float[] p, float[] g, float[] m, float[] v, int from, int to, float lr, float beta1, float beta2,
                      float eps, float wd, float bc1, float bc2) {
        float ib1 = 1f / bc1, ib2 = 1f / bc2;
        int i = from;
        for (; i + L <= to; i += L) {
            FloatVector gi = FloatVector.fromArray(S, g, i);
            FloatVector mi = FloatVector.fromArray(S, m, i).mul(beta1).add(gi.mul(1 - beta1));
            FloatVector vi = FloatVector.fromArray(S, v, i).mul(beta2).add(gi.mul(gi).mul(1 - beta2));
            mi.intoArray(m, i);
            vi.intoArray(v, i);
            FloatVector pi = FloatVector.fromArray(S, p, i);
            FloatVector update = mi.mul(ib1).div(vi.mul(ib2).sqrt().add(eps));
            pi.sub(pi.mul(wd).add(update).mul(lr)).intoArray(p, i);
        }
        TAIL.adamw(p, g, m, v, i, to, lr, beta1, beta2, eps, wd, bc1, bc2);
    }
}
