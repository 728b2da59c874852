package dev.kiln.backend.opencl.kernel;

/**
 * Data movement and element-wise kernels: one work item per output element (1-D range, local 64).
 * Each method's comment gives its registers; {@code i} is the global id.
 */
public abstract class ElementOps extends KernelState {

    // COPY_IN: mem[o0 + i] = stage(i1 ? big : small)[i], i < i0.  COPY_OUT: the reverse.
    protected void copyIn(int i) {
        if (i < i0) {
            if (i1 != 0) st(o0 + i, stageBig[i]);
            else st(o0 + i, stage[i]);
        }
    }

    protected void copyOut(int i) {
        if (i < i0) {
            if (i1 != 0) stageBig[i] = ld(o0 + i);
            else stage[i] = ld(o0 + i);
        }
    }

    // COPY: mem[o1 + i] = mem[o0 + i], i < i0.   FILL: mem[o0 + i] = f0, i < i0
    protected void copy(int i) { if (i < i0) st(o1 + i, ld(o0 + i)); }

    protected void fill(int i) { if (i < i0) st(o0 + i, f0); }

    // COPY_BLOCKS: i = c·i2 + e over i3 blocks of i2 floats; src o0 stride i0, dst o1 stride i1; += when i4
    protected void copyBlocks(int i) {
        if (i < i2 * i3) {
            int c = i / i2, e = i - c * i2;
            float v = ld(o0 + c * i0 + e);
            int d = o1 + c * i1 + e;
            if (i4 != 0) st(d, ld(d) + v);
            else st(d, v);
        }
    }

    /** Source offset of output element i: meta[0, rank) its shape, meta[sOff, sOff + rank) source strides. */
    protected int stridedIndex(int i, int rank, int sOff) {
        int rest = i, src = 0;
        for (int d = rank - 1; d >= 0; d--) {
            int dim = meta[d];
            int idx = rest % dim;
            rest = rest / dim;
            src += idx * meta[sOff + d];
        }
        return src;
    }

    // PERMUTE: dst o1 [meta 0..i1) ← src o0 through the permuted strides meta[8..8+i1); i < i0
    protected void permute(int i) {
        if (i < i0) st(o1 + i, ld(o0 + stridedIndex(i, i1, 8)));
    }

    // BINARY: out o2 (shape meta[0..i1), n = i0) = op i2 of a o0 (strides meta[8..)) and b o1 (meta[16..))
    protected void binary(int i) {
        if (i < i0) {
            float a = ld(o0 + stridedIndex(i, i1, 8)), b = ld(o1 + stridedIndex(i, i1, 16));
            float r = 0f;
            if (i2 == 0) r = a + b;
            else if (i2 == 1) r = a - b;
            else if (i2 == 2) r = a * b;
            else if (i2 == 3) r = a / b;
            else if (i2 == 4) r = max(a, b);
            else r = a == b ? 1f : 0f;
            st(o2 + i, r);
        }
    }

    /** exp-based tanh (Aparapi maps no tanh): saturates to ±1 without overflow trouble. */
    protected float tanhf(float x) {
        return 1f - 2f / (exp(2f * x) + 1f);
    }

    /** erf with |error| < 1.2e-7: the same Chebyshev fit as dev.kiln.api.backend.Erf. */
    protected float erff(float x) {
        float z = abs(x);
        float t = 1f / (1f + 0.5f * z);
        float r = t * exp(-z * z - 1.26551223f + t * (1.00002368f + t * (0.37409196f + t * (0.09678418f
                + t * (-0.18628806f + t * (0.27886807f + t * (-1.13520398f + t * (1.48851587f
                + t * (-0.82215223f + t * 0.17087277f)))))))));
        return x >= 0 ? 1f - r : r - 1f;
    }

    /** UnaryOp by ordinal: NEG EXP LOG SQRT TANH SIGMOID RELU GELU_ERF GELU_TANH SILU SCALE ADD_SCALAR SQUARE POW ABS. */
    protected float unaryValue(int u, float x, float p) {
        float r = 0f;
        if (u == 0) r = -x;
        else if (u == 1) r = exp(x);
        else if (u == 2) r = log(x);
        else if (u == 3) r = sqrt(x);
        else if (u == 4) r = tanhf(x);
        else if (u == 5) r = 1f / (1f + exp(-x));
        else if (u == 6) r = x > 0 ? x : 0f;
        else if (u == 7) r = 0.5f * x * (1f + erff(x * 0.70710678f));
        else if (u == 8) r = 0.5f * x * (1f + tanhf(0.7978845608f * (x + 0.044715f * x * x * x)));
        else if (u == 9) r = x / (1f + exp(-x));
        else if (u == 10) r = x * p;
        else if (u == 11) r = x + p;
        else if (u == 12) r = x * x;
        else if (u == 13) r = pow(x, p);
        else r = abs(x);
        return r;
    }

    /** dy/dx given x and y = f(x), by ordinal (see {@link #unaryValue}). */
    protected float unaryDerivative(int u, float x, float y, float p) {
        float r = 0f;
        if (u == 0) r = -1f;
        else if (u == 1) r = y;
        else if (u == 2) r = 1f / x;
        else if (u == 3) r = 0.5f / y;
        else if (u == 4) r = 1f - y * y;
        else if (u == 5) r = y * (1f - y);
        else if (u == 6) r = x > 0 ? 1f : 0f;
        else if (u == 7) r = 0.5f * (1f + erff(x * 0.70710678f)) + x * exp(-0.5f * x * x) * 0.39894228f;
        else if (u == 8) {
            float t = tanhf(0.7978845608f * (x + 0.044715f * x * x * x));
            float du = 0.7978845608f * (1f + 3f * 0.044715f * x * x);
            r = 0.5f * (1f + t) + 0.5f * x * (1f - t * t) * du;
        } else if (u == 9) {
            float s = 1f / (1f + exp(-x));
            r = s * (1f + x * (1f - s));
        } else if (u == 10) r = p;
        else if (u == 11) r = 1f;
        else if (u == 12) r = 2f * x;
        else if (u == 13) r = p * pow(x, p - 1f);
        else r = x > 0 ? 1f : (x < 0 ? -1f : 0f);
        return r;
    }

    // UNARY: y o1 = op i1 (x o0, f0), i < i0 (x and y may coincide)
    protected void unary(int i) { if (i < i0) st(o1 + i, unaryValue(i1, ld(o0 + i), f0)); }

    // UNARY_BACKWARD: gx o3 += gy o2 · op'(x o0, y o1), i < i0
    protected void unaryBackward(int i) {
        if (i < i0) st(o3 + i, ld(o3 + i) + ld(o2 + i) * unaryDerivative(i1, ld(o0 + i), ld(o1 + i), f0));
    }

    // REDUCE_SUM_TO: dst o1 [i0 elements, shape meta[0..i1)] (+)= Σ over i2 reduced elements of src o0;
    // meta[8..) source strides, meta[16..) sizes of the reduced dimensions (1 where kept); += when i3
    protected void reduceSumTo(int i) {
        if (i < i0) {
            int base = stridedIndex(i, i1, 8);
            float sum = 0f;
            for (int r = 0; r < i2; r++) {
                int rest = r, off = 0;
                for (int d = i1 - 1; d >= 0; d--) {
                    int dim = meta[16 + d];
                    int idx = rest % dim;
                    rest = rest / dim;
                    off += idx * meta[8 + d];
                }
                sum += ld(o0 + base + off);
            }
            if (i3 != 0) st(o1 + i, ld(o1 + i) + sum);
            else st(o1 + i, sum);
        }
    }

    // REDUCE_AXIS: src o0 [i0 outer, i1 len, i2 inner] → dst o1 [i0, i2]; max when i3 (−∞ if i1 = 0)
    protected void reduceAxis(int i) {
        if (i < i0 * i2) {
            int o = i / i2, in = i - o * i2;
            float acc = i3 != 0 ? negInf : 0f;
            for (int l = 0; l < i1; l++) {
                float v = ld(o0 + (o * i1 + l) * i2 + in);
                if (i3 != 0) acc = max(acc, v);
                else acc += v;
            }
            st(o1 + i, acc);
        }
    }

    // SUM_SQUARES: partials o1 [groups] = Σ x² of src o0 [i0], grid-stride; local scratch lmem[0, local)
    protected void sumSquares(int i) {
        float acc = 0f;
        for (int j = i; j < i0; j += getGlobalSize(0)) acc += ld(o0 + j) * ld(o0 + j);
        float s = groupReduce(acc, 0, 0);
        if (getLocalId(0) == 0) st(o1 + getGroupId(0), s);
    }

    // DROPOUT_MASK: mask o0 [i0] = f1 (= 1/keep) when CounterRng.uniform(seed, i) < f0 (keep), else 0
    protected void dropoutMask(int i) {
        if (i < i0) {
            long z = seed * 0x9e3779b97f4a7c15L + i + 0x632be59bd9b4e019L;
            z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
            z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
            z = z ^ (z >>> 31);
            float u = (z >>> 40) * 0x1.0p-24f;
            st(o0 + i, u < f0 ? f1 : 0f);
        }
    }

    // ADAMW: param o0, grad o1, m o2, v o3 [i0]; lr f0, β1 f1, β2 f2, eps f3, wd f4, 1−β1^t f5, 1−β2^t f6
    protected void adamw(int i) {
        if (i < i0) {
            float g = ld(o1 + i), p = ld(o0 + i);
            float m = f1 * ld(o2 + i) + (1f - f1) * g;
            float v = f2 * ld(o3 + i) + (1f - f2) * g * g;
            st(o2 + i, m);
            st(o3 + i, v);
            float update = (m / f5) / (sqrt(v / f6) + f3);
            st(o0 + i, p - f0 * (f4 * p + update));
        }
    }

    // EMBEDDING: out o1 [n, i1] = table o0 [rows, i1] at ids ints[0, n); i < i0 = n·i1
    protected void embedding(int i) {
        if (i < i0) {
            int r = i / i1, d = i - r * i1;
            st(o1 + i, ld(o0 + ints[r] * i1 + d));
        }
    }

    // EMBEDDING_BACKWARD: for u < i2 unique rows ints[u], positions ints[2·i2+1 + ints[i2+u] .. ints[i2+u+1]):
    // gTable o1 [rows, i1] += Σ gOut o0 [n, i1] (one work item per (u, d), so no two items write one float)
    protected void embeddingBackward(int i) {
        if (i < i0) {
            int u = i / i1, d = i - u * i1;
            int base = 2 * i2 + 1;
            float acc = 0f;
            for (int p = ints[i2 + u]; p < ints[i2 + u + 1]; p++) acc += ld(o0 + ints[base + p] * i1 + d);
            int t = o1 + ints[u] * i1 + d;
            st(t, ld(t) + acc);
        }
    }
}
