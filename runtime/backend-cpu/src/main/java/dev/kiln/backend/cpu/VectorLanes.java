package dev.kiln.backend.cpu;

import dev.kiln.api.backend.UnaryOp;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link Lanes} with the Vector API; the tails fall back to scalar code. Sums and exponentials go
 * through {@link FixedOrderMath}, so a result does not depend on whether the JIT has compiled this
 * code yet (the cpu backend is deterministic run to run).
 */
final class VectorLanes implements Lanes {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final ScalarLanes TAIL = new ScalarLanes();
    // every loop casts each loaded and intermediate vector to its class (see ExactVector): without the casts, in a JVM
    // that also used other vector shapes and had none of ./kiln's JIT flags, tanh-GELU, SiLU's backward and the
    // cross-entropy gradient boxed (OtherVectorShapesTest)
    private static final Class<? extends FloatVector> X = ExactVector.CLASS;

    static Lanes create() { return new VectorLanes(); }

    @Override
    public float dot(float[] a, int ao, float[] b, int bo, int n) {
        FloatVector acc0 = FloatVector.zero(S), acc1 = acc0;
        int i = 0;
        for (; i + 2 * L <= n; i += 2 * L) {
            acc0 = X.cast(X.cast(FloatVector.fromArray(S, a, ao + i)).fma(X.cast(FloatVector.fromArray(S, b, bo + i)), X.cast(acc0)));
            acc1 = X.cast(X.cast(FloatVector.fromArray(S, a, ao + i + L)).fma(X.cast(FloatVector.fromArray(S, b, bo + i + L)), X.cast(acc1)));
        }
        float s = FixedOrderMath.sum(X.cast(X.cast(acc0).add(X.cast(acc1))));
        for (; i < n; i++) s += a[ao + i] * b[bo + i];
        return s;
    }

    @Override
    public void dots(float[] a, int ao, int lda, int rows, float[] b, int bo, int n, float[] out) {
        VectorRowDots.dots(this, a, ao, lda, rows, b, bo, n, out);
    }

    @Override
    public float sum(float[] a, int o, int n) {
        FloatVector acc0 = FloatVector.zero(S), acc1 = acc0;
        int i = 0;
        for (; i + 2 * L <= n; i += 2 * L) {
            acc0 = X.cast(X.cast(acc0).add(X.cast(FloatVector.fromArray(S, a, o + i))));
            acc1 = X.cast(X.cast(acc1).add(X.cast(FloatVector.fromArray(S, a, o + i + L))));
        }
        float s = FixedOrderMath.sum(X.cast(X.cast(acc0).add(X.cast(acc1))));
        for (; i < n; i++) s += a[o + i];
        return s;
    }

    @Override
    public float max(float[] a, int o, int n) {
        FloatVector acc = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        int i = 0;
        for (; i + L <= n; i += L) acc = X.cast(X.cast(acc).max(X.cast(FloatVector.fromArray(S, a, o + i))));
        float m = X.cast(acc).reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) m = Math.max(m, a[o + i]);
        return m;
    }

    @Override
    public void scale(float[] a, int o, int n, float factor) {
        int i = 0;
        for (; i + L <= n; i += L) X.cast(X.cast(FloatVector.fromArray(S, a, o + i)).mul(factor)).intoArray(a, o + i);
        for (; i < n; i++) a[o + i] *= factor;
    }

    @Override
    public void softmaxGradient(float[] p, int po, float[] g, int go, int n, float rowDot, float scale) {
        int j = 0;
        for (; j + L <= n; j += L) {
            FloatVector gj = X.cast(X.cast(FloatVector.fromArray(S, g, go + j)).sub(rowDot));
            X.cast(X.cast(X.cast(FloatVector.fromArray(S, p, po + j)).mul(gj)).mul(scale)).intoArray(g, go + j);
        }
        for (; j < n; j++) g[go + j] = p[po + j] * (g[go + j] - rowDot) * scale;
    }

    @Override
    public int width() { return L; }

    @Override
    public void addColumnSums(float[] src, int rows, int cols, float[] dst, int c0, int c1) {
        VectorNormRows.addColumnSums(src, rows, cols, dst, c0, c1);
    }

    @Override
    public void normalizeRow(float[] x, int xo, float mu, float rs, float[] gamma, float[] beta, float[] y, int yo, int n) {
        VectorNormRows.normalizeRow(x, xo, mu, rs, gamma, beta, y, yo, n);
    }

    @Override
    public void normBackwardInputs(float[] x, float[] gy, int o, float mu, float rs, float[] gamma, float[] dxhat, float[] xhat, int n) {
        VectorNormRows.normBackwardInputs(x, gy, o, mu, rs, gamma, dxhat, xhat, n);
    }

    @Override
    public void normBackwardRow(float[] dxhat, float[] xhat, float mDy, float mDyXhat, float rs, float[] gx, int o, int n) {
        VectorNormRows.normBackwardRow(dxhat, xhat, mDy, mDyXhat, rs, gx, o, n);
    }

    @Override
    public void normParamGrads(float[] x, float[] gy, float[] mean, float[] rstd, float[] gGamma, float[] gBeta,
                               int rows, int cols, int c0, int c1) {
        VectorNormRows.normParamGrads(x, gy, mean, rstd, gGamma, gBeta, rows, cols, c0, c1);
    }

    @Override
    public float sumSquares(float[] a, int o, int n, float shift) {
        FloatVector acc = FloatVector.zero(S), sh = FloatVector.broadcast(S, shift);
        int i = 0;
        for (; i + L <= n; i += L) {
            FloatVector d = X.cast(X.cast(FloatVector.fromArray(S, a, o + i)).sub(sh));
            acc = X.cast(d.fma(d, X.cast(acc)));
        }
        float s = FixedOrderMath.sum(X.cast(acc));
        for (; i < n; i++) s += (a[o + i] - shift) * (a[o + i] - shift);
        return s;
    }

    @Override
    public void adamw(float[] p, float[] g, float[] m, float[] v, int from, int to, float lr, float beta1, float beta2,
                      float eps, float wd, float bc1, float bc2) {
        float ib1 = 1f / bc1, ib2 = 1f / bc2;
        int i = from;
        for (; i + L <= to; i += L) {
            FloatVector gi = X.cast(FloatVector.fromArray(S, g, i));
            FloatVector mOld = X.cast(FloatVector.fromArray(S, m, i)), vOld = X.cast(FloatVector.fromArray(S, v, i));
            FloatVector mi = X.cast(X.cast(mOld.mul(beta1)).add(X.cast(gi.mul(1 - beta1))));
            FloatVector gg = X.cast(gi.mul(gi));
            FloatVector vi = X.cast(X.cast(vOld.mul(beta2)).add(X.cast(gg.mul(1 - beta2))));
            mi.intoArray(m, i);
            vi.intoArray(v, i);
            FloatVector pi = X.cast(FloatVector.fromArray(S, p, i));
            FloatVector den = X.cast(X.cast(X.cast(vi.mul(ib2)).sqrt()).add(eps));
            FloatVector update = X.cast(X.cast(mi.mul(ib1)).div(den));
            FloatVector step = X.cast(X.cast(X.cast(pi.mul(wd)).add(update)).mul(lr));
            X.cast(pi.sub(step)).intoArray(p, i);
        }
        TAIL.adamw(p, g, m, v, i, to, lr, beta1, beta2, eps, wd, bc1, bc2);
    }

    // ---- exponentials (FixedOrderMath's exp: the same bits however the JIT compiles it) ----------
    // called directly, never through a wrapper of this class: C2 inlines FixedOrderMath::exp (small enough), but a wrapper
    // compiled on its own first (exp inlined into it) was then "already compiled into a big method", stayed a call,
    // and boxed every vector (OtherVectorShapesTest: the softmax, GELU-tanh and SiLU kernels in a JVM that had used
    // other vector shapes)

    private static final float SQRT_2_OVER_PI = (float) Math.sqrt(2.0 / Math.PI);

    @Override
    public float expShift(float[] x, int xo, float[] y, int yo, int n, float shift) {
        FloatVector acc = FloatVector.zero(S), sh = FloatVector.broadcast(S, shift);
        int j = 0;
        for (; j + L <= n; j += L) {
            FloatVector e = X.cast(FixedOrderMath.exp(X.cast(X.cast(FloatVector.fromArray(S, x, xo + j)).sub(sh))));
            e.intoArray(y, yo + j);
            acc = X.cast(X.cast(acc).add(e));
        }
        double sum = FixedOrderMath.sum(X.cast(acc));
        for (; j < n; j++) {
            float e = FixedOrderMath.exp(x[xo + j] - shift);
            y[yo + j] = e;
            sum += e;
        }
        return (float) sum;
    }

    @Override
    public float expShiftSum(float[] x, int o, int n, float shift) {
        FloatVector acc = FloatVector.zero(S), sh = FloatVector.broadcast(S, shift);
        int j = 0;
        for (; j + L <= n; j += L) {
            FloatVector e = X.cast(FixedOrderMath.exp(X.cast(X.cast(FloatVector.fromArray(S, x, o + j)).sub(sh))));
            acc = X.cast(X.cast(acc).add(e));
        }
        double sum = FixedOrderMath.sum(X.cast(acc));
        for (; j < n; j++) sum += FixedOrderMath.exp(x[o + j] - shift);
        return (float) sum;
    }

    @Override
    public void expScaled(float[] x, float[] g, int o, int n, float shift, float alpha, float sub, boolean add) {
        FloatVector al = FloatVector.broadcast(S, alpha), sb = FloatVector.broadcast(S, sub), sh = FloatVector.broadcast(S, shift);
        float[] addTo = add ? g : ZEROS;               // the addend: g, or zeros when g is written
        int keep = add ? -1 : 0, j = 0;
        for (; j + L <= n; j += L) {
            FloatVector e = X.cast(X.cast(FixedOrderMath.exp(X.cast(X.cast(FloatVector.fromArray(S, x, o + j)).sub(sh)))).sub(sb));
            X.cast(e.fma(al, X.cast(FloatVector.fromArray(S, addTo, (o + j) & keep)))).intoArray(g, o + j);
        }
        for (; j < n; j++) {
            float v = alpha * (FixedOrderMath.exp(x[o + j] - shift) - sub);
            g[o + j] = add ? g[o + j] + v : v;
        }
    }

    // One loop per op, each its own method: a switch over every op in one method grows past C2's inlining node
    // budget, exp and cdf then stay calls, and every FloatVector crossing a call is boxed on the heap.

    @Override
    public boolean unary(UnaryOp op, float[] x, float[] y, int from, int to) {
        int end = from + (to - from) / L * L;
        switch (op) {
            case EXP -> expLoop(x, y, from, end);
            case GELU_ERF -> geluErf(x, y, from, end);
            case GELU_TANH -> geluTanh(x, y, from, end);
            case SILU -> silu(x, y, from, end);
            case SIGMOID -> sigmoid(x, y, from, end);
            default -> {
                return false;
            }
        }
        for (int i = end; i < to; i++) y[i] = op.apply(x[i], 0f);
        return true;
    }

    private static void expLoop(float[] x, float[] y, int from, int end) {
        for (int i = from; i < end; i += L) X.cast(FixedOrderMath.exp(X.cast(FloatVector.fromArray(S, x, i)))).intoArray(y, i);
    }

    private static void geluErf(float[] x, float[] y, int from, int end) {
        for (int i = from; i < end; i += L) {
            FloatVector v = X.cast(FloatVector.fromArray(S, x, i));
            X.cast(v.mul(GeluErfFits.cdf(v))).intoArray(y, i);
        }
    }

    private static void geluTanh(float[] x, float[] y, int from, int end) {     // 0.5·x·(1 + tanh u) = x / (1 + exp(−2u))
        for (int i = from; i < end; i += L) {
            FloatVector v = X.cast(FloatVector.fromArray(S, x, i));
            FloatVector u = X.cast(X.cast(X.cast(X.cast(v.mul(v)).fma(0.044715f, 1f)).mul(v)).mul(-2f * SQRT_2_OVER_PI));
            X.cast(v.div(X.cast(FixedOrderMath.exp(u).add(1f)))).intoArray(y, i);
        }
    }

    private static void silu(float[] x, float[] y, int from, int end) {
        for (int i = from; i < end; i += L) {
            FloatVector v = X.cast(FloatVector.fromArray(S, x, i));
            X.cast(v.div(X.cast(FixedOrderMath.exp(v.neg()).add(1f)))).intoArray(y, i);
        }
    }

    private static void sigmoid(float[] x, float[] y, int from, int end) {
        FloatVector one = FloatVector.broadcast(S, 1f);      // hoisted: a 1/x built inside the loop boxed on JDK 17
        for (int i = from; i < end; i += L) {
            FloatVector v = X.cast(FloatVector.fromArray(S, x, i));
            X.cast(X.cast(one).div(X.cast(FixedOrderMath.exp(v.neg()).add(one)))).intoArray(y, i);
        }
    }

    @Override
    public boolean unaryBackward(UnaryOp op, float[] x, float[] y, float[] gy, float[] gx, int from, int to) {
        return backward(op, x, y, gy, gx, from, to, true);
    }

    @Override
    public boolean unaryGradient(UnaryOp op, float[] x, float[] y, float[] gy, float[] gx, int from, int to) {
        return backward(op, x, y, gy, gx, from, to, false);
    }

    // gx (+)= gy · op'(x) over [from, to): added into gx when add, else written (gx may be gy)
    private static boolean backward(UnaryOp op, float[] x, float[] y, float[] gy, float[] gx, int from, int to, boolean add) {
        int end = from + (to - from) / L * L;
        switch (op) {
            case GELU_ERF -> geluErfBackward(x, gy, gx, from, end, add);
            case GELU_TANH -> geluTanhBackward(x, gy, gx, from, end, add);
            case SILU -> siluBackward(x, gy, gx, from, end, add);
            default -> {
                return false;
            }
        }
        for (int i = end; i < to; i++) {
            float g = gy[i] * op.derivative(x[i], y[i], 0f);
            gx[i] = add ? gx[i] + g : g;
        }
        return true;
    }

    // Backward loops add gy · d into gx, or into zeros when gx is overwritten (fma(gy, d, +0) is the rounded product):
    // one loop body for both, which a branch on add would grow past C2's inlining budget (LaneKernelAllocationTest)
    private static final float[] ZEROS = new float[L];

    // GELU-tanh's backward exceeds C2's node budget in one body (exp with the sigmoid derivative), so it runs as
    // two loops over a block: the first keeps σ in a scratch block.
    private static final int BLOCK = 1024;
    private static final ThreadLocal<float[]> SCRATCH = ThreadLocal.withInitial(() -> new float[BLOCK]);

    private static void geluErfBackward(float[] x, float[] gy, float[] gx, int from, int end, boolean add) {   // Φ(x) + x·φ(x)
        float[] addTo = add ? gx : ZEROS;               // the addend: gx, or zeros when gx is written
        int keep = add ? -1 : 0;
        for (int i = from; i < end; i += L) {
            FloatVector d = X.cast(GeluErfFits.derivative(X.cast(FloatVector.fromArray(S, x, i))));
            X.cast(X.cast(FloatVector.fromArray(S, gy, i)).fma(d, X.cast(FloatVector.fromArray(S, addTo, i & keep)))).intoArray(gx, i);
        }
    }

    private static void geluTanhBackward(float[] x, float[] gy, float[] gx, int from, int end, boolean add) {  // s = σ(2u): s + 2·x·s·(1 − s)·u'
        float[] sig = SCRATCH.get();
        for (int b = from; b < end; b += BLOCK) {
            int stop = Math.min(end, b + BLOCK);
            tanhSigmoidBlock(x, sig, b, stop);
            geluTanhBackwardBlock(x, sig, gy, gx, b, stop, add);
        }
    }

    private static void tanhSigmoidBlock(float[] x, float[] sig, int from, int stop) {
        FloatVector one = FloatVector.broadcast(S, 1f);
        for (int i = from; i < stop; i += L) {
            FloatVector v = X.cast(FloatVector.fromArray(S, x, i));
            FloatVector u = X.cast(X.cast(X.cast(X.cast(v.mul(v)).fma(0.044715f, 1f)).mul(v)).mul(-2f * SQRT_2_OVER_PI));
            X.cast(X.cast(one).div(X.cast(FixedOrderMath.exp(u).add(one)))).intoArray(sig, i - from);
        }
    }

    private static void geluTanhBackwardBlock(float[] x, float[] sig, float[] gy, float[] gx, int from, int stop, boolean add) {
        float[] addTo = add ? gx : ZEROS;               // the addend: gx, or zeros when gx is written
        int keep = add ? -1 : 0;
        for (int i = from; i < stop; i += L) {
            FloatVector v = X.cast(FloatVector.fromArray(S, x, i));
            FloatVector s = X.cast(FloatVector.fromArray(S, sig, i - from));
            FloatVector du = X.cast(X.cast(X.cast(v.mul(v)).fma(3 * 0.044715f, 1f)).mul(SQRT_2_OVER_PI));
            FloatVector d = X.cast(X.cast(X.cast(X.cast(v.mul(2f)).mul(s)).mul(X.cast(X.cast(s.neg()).add(1f)))).fma(du, s));
            X.cast(X.cast(FloatVector.fromArray(S, gy, i)).fma(d, X.cast(FloatVector.fromArray(S, addTo, i & keep)))).intoArray(gx, i);
        }
    }

    private static void siluBackward(float[] x, float[] gy, float[] gx, int from, int end, boolean add) {   // s·(1 + x·(1 − s))
        float[] addTo = add ? gx : ZEROS;               // the addend: gx, or zeros when gx is written
        int keep = add ? -1 : 0;
        FloatVector one = FloatVector.broadcast(S, 1f);
        for (int i = from; i < end; i += L) {
            FloatVector v = X.cast(FloatVector.fromArray(S, x, i));
            FloatVector s = X.cast(X.cast(one).div(X.cast(FixedOrderMath.exp(X.cast(v.neg())).add(one))));
            FloatVector d = X.cast(X.cast(X.cast(v.mul(X.cast(X.cast(s.neg()).add(1f)))).add(1f)).mul(s));
            X.cast(X.cast(FloatVector.fromArray(S, gy, i)).fma(d, X.cast(FloatVector.fromArray(S, addTo, i & keep)))).intoArray(gx, i);
        }
    }
}
