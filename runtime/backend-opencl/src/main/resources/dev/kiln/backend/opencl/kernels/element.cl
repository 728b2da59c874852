// Data movement and element-wise kernels: one work item per output element (1-D range, local 64).

// COPY: dst o1 [i0] = src o0.   FILL: x o0 [i0] = f0
__kernel void copy(KILN_ARGS) {
    int i = GID;
    if (i < i0) m1[o1 + i] = m0[o0 + i];
}

__kernel void fill(KILN_ARGS) {
    int i = GID;
    if (i < i0) m0[o0 + i] = f0;
}

// COPY_BLOCKS: i = c·i2 + e over i3 blocks of i2 floats; src o0 stride i0, dst o1 stride i1; += when i4
__kernel void copy_blocks(KILN_ARGS) {
    int i = GID;
    if (i >= i2 * i3) return;
    int c = i / i2, e = i - c * i2;
    float v = m0[o0 + c * i0 + e];
    __global float* d = m1 + o1 + c * i1 + e;
    *d = i4 != 0 ? *d + v : v;
}

// PERMUTE: dst o1 [meta 0..i1) ← src o0 through the permuted strides meta[8..8+i1); i < i0
__kernel void permute(KILN_ARGS) {
    META;
    int i = GID;
    if (i < i0) m1[o1 + i] = m0[o0 + strided_index(i, i1, meta, 8)];
}

// BINARY: out o2 (shape meta[0..i1), n = i0) = op i2 (ADD SUB MUL DIV MAX EQ) of a o0 (strides meta[8..)) and b o1 (meta[16..))
__kernel void binary(KILN_ARGS) {
    META;
    int i = GID;
    if (i >= i0) return;
    float a = m0[o0 + strided_index(i, i1, meta, 8)], b = m1[o1 + strided_index(i, i1, meta, 16)];
    float r;
    if (i2 == 0) r = a + b;
    else if (i2 == 1) r = a - b;
    else if (i2 == 2) r = a * b;
    else if (i2 == 3) r = a / b;
    else if (i2 == 4) r = max(a, b);
    else r = a == b ? 1.0f : 0.0f;
    m2[o2 + i] = r;
}

// exp-based tanh: saturates to ±1 without overflow trouble (the same formula as before the port, so results match)
float tanh_exp(float x) { return 1.0f - 2.0f / (exp(2.0f * x) + 1.0f); }

// erf with |error| < 1.2e-7: the same Chebyshev fit as dev.kiln.api.backend.Erf
float erf_fit(float x) {
    float z = fabs(x);
    float t = 1.0f / (1.0f + 0.5f * z);
    float r = t * exp(-z * z - 1.26551223f + t * (1.00002368f + t * (0.37409196f + t * (0.09678418f
            + t * (-0.18628806f + t * (0.27886807f + t * (-1.13520398f + t * (1.48851587f
            + t * (-0.82215223f + t * 0.17087277f)))))))));
    return x >= 0 ? 1.0f - r : r - 1.0f;
}

// UnaryOp by ordinal: NEG EXP LOG SQRT TANH SIGMOID RELU GELU_ERF GELU_TANH SILU SCALE ADD_SCALAR SQUARE POW ABS
float unary_value(int u, float x, float p) {
    switch (u) {
        case 0: return -x;
        case 1: return exp(x);
        case 2: return log(x);
        case 3: return sqrt(x);
        case 4: return tanh_exp(x);
        case 5: return 1.0f / (1.0f + exp(-x));
        case 6: return x > 0 ? x : 0.0f;
        case 7: return 0.5f * x * (1.0f + erf_fit(x * 0.70710678f));
        case 8: return 0.5f * x * (1.0f + tanh_exp(0.7978845608f * (x + 0.044715f * x * x * x)));
        case 9: return x / (1.0f + exp(-x));
        case 10: return x * p;
        case 11: return x + p;
        case 12: return x * x;
        case 13: return pow(x, p);
        default: return fabs(x);
    }
}

// dy/dx given x and y = f(x), by ordinal (see unary_value)
float unary_derivative(int u, float x, float y, float p) {
    switch (u) {
        case 0: return -1.0f;
        case 1: return y;
        case 2: return 1.0f / x;
        case 3: return 0.5f / y;
        case 4: return 1.0f - y * y;
        case 5: return y * (1.0f - y);
        case 6: return x > 0 ? 1.0f : 0.0f;
        case 7: return 0.5f * (1.0f + erf_fit(x * 0.70710678f)) + x * exp(-0.5f * x * x) * 0.39894228f;
        case 8: {
            float t = tanh_exp(0.7978845608f * (x + 0.044715f * x * x * x));
            float du = 0.7978845608f * (1.0f + 3.0f * 0.044715f * x * x);
            return 0.5f * (1.0f + t) + 0.5f * x * (1.0f - t * t) * du;
        }
        case 9: {
            float s = 1.0f / (1.0f + exp(-x));
            return s * (1.0f + x * (1.0f - s));
        }
        case 10: return p;
        case 11: return 1.0f;
        case 12: return 2.0f * x;
        case 13: return p * pow(x, p - 1.0f);
        default: return x > 0 ? 1.0f : (x < 0 ? -1.0f : 0.0f);
    }
}

// UNARY: y o1 [i0] = op i1 (x o0, f0) (x and y may coincide)
__kernel void unary(KILN_ARGS) {
    int i = GID;
    if (i < i0) m1[o1 + i] = unary_value(i1, m0[o0 + i], f0);
}

// UNARY_BACKWARD: gx o3 [i0] += gy o2 · op'(x o0, y o1) when i2, else = (gx may then be gy)
__kernel void unary_backward(KILN_ARGS) {
    int i = GID;
    if (i >= i0) return;
    float g = m2[o2 + i] * unary_derivative(i1, m0[o0 + i], m1[o1 + i], f0);
    m3[o3 + i] = i2 ? m3[o3 + i] + g : g;
}

// REDUCE_SUM_TO: dst o1 [i0 elements, shape meta[0..i1)] (+)= Σ over i2 reduced elements of src o0;
// meta[8..) source strides, meta[16..) sizes of the reduced dimensions (1 where kept); += when i3
__kernel void reduce_sum_to(KILN_ARGS) {
    META;
    int i = GID;
    if (i >= i0) return;
    __global const float* src = m0 + o0 + strided_index(i, i1, meta, 8);
    float sum = 0.0f;
    for (int r = 0; r < i2; r++) {
        int rest = r, off = 0;
        for (int d = i1 - 1; d >= 0; d--) {
            int dim = meta[16 + d];
            int idx = rest % dim;
            rest = rest / dim;
            off += idx * meta[8 + d];
        }
        sum += src[off];
    }
    m1[o1 + i] = i3 != 0 ? m1[o1 + i] + sum : sum;
}

// COLUMN_SUMS: dst o1 [i1 cols] (+)= Σ over i0 rows of src o0 [rows, cols] (column kernels, see common.cl); += when i2
__kernel void column_sums(KILN_ARGS) {
    __local float scratch[COL_LANES * COL_GROUP];
    int j = (int) get_global_id(0), l = get_local_id(1);
    float s = 0.0f;
    if (j < i1) for (int r = l; r < i0; r += COL_LANES) s += m0[o0 + r * i1 + j];
    s = lane_sum(s, scratch);
    if (j < i1 && l == 0) m1[o1 + j] = i2 != 0 ? m1[o1 + j] + s : s;
}

// REDUCE_AXIS: src o0 [i0 outer, i1 len, i2 inner] → dst o1 [i0, i2]; max when i3 (−∞ if i1 = 0)
__kernel void reduce_axis(KILN_ARGS) {
    int i = GID;
    if (i >= i0 * i2) return;
    int o = i / i2, in = i - o * i2;
    float acc = i3 != 0 ? -INFINITY : 0.0f;
    for (int l = 0; l < i1; l++) {
        float v = m0[o0 + (o * i1 + l) * i2 + in];
        acc = i3 != 0 ? max(acc, v) : acc + v;
    }
    m1[o1 + i] = acc;
}

// SUM_SQUARES: partials o1 [groups] = Σ x² of src o0 [i0], grid-stride; work-groups of ROW_GROUP
__kernel void sum_squares(KILN_ARGS) {
    __local float scratch[ROW_GROUP];
    float acc = 0.0f;
    for (int j = GID; j < i0; j += get_global_size(0)) acc += m0[o0 + j] * m0[o0 + j];
    float s = group_sum(acc, scratch);
    if (get_local_id(0) == 0) m1[o1 + get_group_id(0)] = s;
}

// DROPOUT_MASK: mask o0 [i0] = f1 (= 1/keep) when CounterRng.uniform(seed, i) < f0 (keep), else 0
__kernel void dropout_mask(KILN_ARGS) {
    int i = GID;
    if (i >= i0) return;
    ulong z = (ulong) seed * 0x9e3779b97f4a7c15UL + (ulong) (long) i + 0x632be59bd9b4e019UL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9UL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebUL;
    z = z ^ (z >> 31);
    float u = (float) (z >> 40) * 0x1.0p-24f;
    m0[o0 + i] = u < f0 ? f1 : 0.0f;
}

// ADAMW: param o0, grad o1, m o2, v o3 [i0]; lr f0, β1 f1, β2 f2, eps f3, wd f4, 1−β1^t f5, 1−β2^t f6
__kernel void adamw(KILN_ARGS) {
    int i = GID;
    if (i >= i0) return;
    float g = m1[o1 + i], p = m0[o0 + i];
    float m = f1 * m2[o2 + i] + (1.0f - f1) * g;
    float v = f2 * m3[o3 + i] + (1.0f - f2) * g * g;
    m2[o2 + i] = m;
    m3[o3 + i] = v;
    float update = (m / f5) / (sqrt(v / f6) + f3);
    m0[o0 + i] = p - f0 * (f4 * p + update);
}

// EMBEDDING: out o1 [n, i1] = table o0 [rows, i1] at ids ints[0, n); i < i0 = n·i1
__kernel void embedding(KILN_ARGS) {
    int i = GID;
    if (i >= i0) return;
    int r = i / i1, d = i - r * i1;
    m1[o1 + i] = m0[o0 + ints[r] * i1 + d];
}

// EMBEDDING_BACKWARD: for u < i2 unique rows ints[u], positions ints[2·i2+1 + ints[i2+u] .. ints[i2+u+1]):
// gTable o1 [rows, i1] += Σ gOut o0 [n, i1] (one work item per (u, d), so no two items write one float)
__kernel void embedding_backward(KILN_ARGS) {
    int i = GID;
    if (i >= i0) return;
    int u = i / i1, d = i - u * i1;
    int base = 2 * i2 + 1;
    float acc = 0.0f;
    for (int p = ints[i2 + u]; p < ints[i2 + u + 1]; p++) acc += m0[o0 + ints[base + p] * i1 + d];
    m1[o1 + ints[u] * i1 + d] += acc;
}
