// Scaled dot-product attention (layouts of dev.kiln.api.backend.AttentionSpec) and rotary positions.
//
// Forward registers: q o0, k o1, v o2 (offsets already include the spec's q/k/v offsets), out o3
// [B, tq, Hq, D], probs o4 [B, Hq, tq, tk]; i0 = B, i1 = Hq, i2 = group (Hq / Hkv), i3 = tq,
// i4 = tk, i5 = D, i6/i7/i8 = q/k/v row strides, i9 = flags (1 causal, 2 key mask at ints[i10 + b·tk + j],
// 4 segments at ints[i11 + b·tk + j]), i12 = sliding window (0 = none), f0 = scale. A row is (b, h, i) =
// index / (Hq·tq), (index / tq) % Hq, index % tq.
//
// Backward (i9 = 1 when causal, i12 the window): dScores per row into a scratch [B, Hq, tq, tk] (o6), then gq per
// element of q, then gk and gv per element of k / v (summing over the query heads of its group), so no two items
// write one float. Every loop over keys or queries, forward and backward, runs only over the range positions allow
// (key_lo / key_hi, query_lo / query_hi): outside it the probabilities are exactly 0, so the sums are the same.

// Whether query i of item b sees key j (causal, sliding window, key mask, segments).
bool visible(int b, int i, int j, int tq, int tk, int flags, int maskAt, int segAt, int window,
             __global const int* ints) {
    int qPos = i + tk - tq;
    if ((flags & 1) != 0 && j > qPos) return false;
    if (window > 0 && j <= qPos - window) return false;
    if ((flags & 2) != 0 && ints[maskAt + b * tk + j] == 0) return false;
    if ((flags & 4) != 0 && ints[segAt + b * tk + j] != ints[segAt + b * tk + qPos]) return false;
    return true;
}

#define VISIBLE(b, i, j) visible(b, i, j, i3, i4, i9, i10, i11, i12, ints)

// First key query i may see by position (a sliding window hides the older ones); masks and segments hide more.
int key_lo(int i, int tq, int tk, int window) { return window > 0 ? max(0, i + tk - tq - window + 1) : 0; }
// One past the last key query i may see by position (causal attention hides the later ones).
int key_hi(int i, int tq, int tk, int flags) { return (flags & 1) != 0 ? clamp(i + tk - tq + 1, 0, tk) : tk; }
// The queries [first, end) that may see key j by position: the inverse of the two above.
int query_lo(int j, int tq, int tk, int flags) { return (flags & 1) != 0 ? max(0, j - (tk - tq)) : 0; }
int query_hi(int j, int tq, int tk, int window) { return window > 0 ? clamp(j + window - (tk - tq), 0, tq) : tq; }

// ATTENTION_FUSED: one work-group of ATTN_GROUP per query row; the query and the row's scores in local
// memory (D ≤ FUSED_MAX_D, tk ≤ FUSED_MAX_T)
__kernel void attention_fused(KILN_ARGS) {
    __local float qv[FUSED_MAX_D];
    __local float scores[FUSED_MAX_T];
    __local float scratch[ATTN_GROUP];
    int row = get_group_id(0), l = get_local_id(0);
    int b = row / (i1 * i3), h = (row / i3) % i1, i = row % i3, kvh = h / i2;
    __global const float* q = m0 + o0 + (b * i3 + i) * i6 + h * i5;
    for (int e = l; e < i5; e += ATTN_GROUP) qv[e] = q[e];
    barrier(CLK_LOCAL_MEM_FENCE);
    float mx = -INFINITY;
    for (int j = l; j < i4; j += ATTN_GROUP) {
        float s = -INFINITY;
        if (VISIBLE(b, i, j)) {
            __global const float* k = m1 + o1 + (b * i4 + j) * i7 + kvh * i5;
            float dot = 0.0f;
            for (int e = 0; e < i5; e++) dot += qv[e] * k[e];
            s = dot * f0;
        }
        scores[j] = s;
        mx = max(mx, s);
    }
    mx = group_max(mx, scratch);
    float sum = 0.0f;
    for (int j = l; j < i4; j += ATTN_GROUP) {
        float p = mx != -INFINITY && scores[j] != -INFINITY ? exp(scores[j] - mx) : 0.0f;
        scores[j] = p;
        sum += p;
    }
    sum = group_sum(sum, scratch);
    __global float* probs = m4 + o4 + ((b * i1 + h) * i3 + i) * i4;
    for (int j = l; j < i4; j += ATTN_GROUP) {
        float p = sum == 0.0f ? 0.0f : scores[j] / sum;
        scores[j] = p;
        probs[j] = p;
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    __global float* out = m3 + o3 + ((b * i3 + i) * i1 + h) * i5;
    int lo = key_lo(i, i3, i4, i12), hi = key_hi(i, i3, i4, i9);
    for (int e = l; e < i5; e += ATTN_GROUP) {
        float acc = 0.0f;
        for (int j = lo; j < hi; j++) acc += scores[j] * m2[o2 + (b * i4 + j) * i8 + kvh * i5 + e];
        out[e] = acc;
    }
}

// ATTENTION_GENERAL: one work item per query row; the probs row holds the scores meanwhile
__kernel void attention_general(KILN_ARGS) {
    int row = GID;
    if (row >= i0 * i1 * i3) return;
    int b = row / (i1 * i3), h = (row / i3) % i1, i = row % i3, kvh = h / i2;
    __global const float* q = m0 + o0 + (b * i3 + i) * i6 + h * i5;
    __global float* p = m4 + o4 + ((b * i1 + h) * i3 + i) * i4;
    float mx = -INFINITY;
    for (int j = 0; j < i4; j++) {
        float s = -INFINITY;
        if (VISIBLE(b, i, j)) {
            __global const float* k = m1 + o1 + (b * i4 + j) * i7 + kvh * i5;
            float dot = 0.0f;
            for (int e = 0; e < i5; e++) dot += q[e] * k[e];
            s = dot * f0;
        }
        p[j] = s;
        mx = max(mx, s);
    }
    float sum = 0.0f;
    for (int j = 0; j < i4; j++) {
        float e = mx != -INFINITY && p[j] != -INFINITY ? exp(p[j] - mx) : 0.0f;
        p[j] = e;
        sum += e;
    }
    for (int j = 0; j < i4; j++) p[j] = sum == 0.0f ? 0.0f : p[j] / sum;
    __global float* out = m3 + o3 + ((b * i3 + i) * i1 + h) * i5;
    int lo = key_lo(i, i3, i4, i12), hi = key_hi(i, i3, i4, i9);
    for (int e = 0; e < i5; e++) {
        float acc = 0.0f;
        for (int j = lo; j < hi; j++) acc += p[j] * m2[o2 + (b * i4 + j) * i8 + kvh * i5 + e];
        out[e] = acc;
    }
}

// ATTENTION_DSCORES: ds o6 [B, Hq, tq, tk] = p·(gOut·v − Σ_j p·(gOut·v))·scale; probs o4, gOut o5 [B, tq, Hq, D].
// One work-group of ATTN_GROUP per query row (as attention_fused), its items striding over the keys.
__kernel void attention_dscores(KILN_ARGS) {
    __local float scratch[ATTN_GROUP];
    int row = get_group_id(0), l = get_local_id(0);
    int b = row / (i1 * i3), h = (row / i3) % i1, i = row % i3, kvh = h / i2;
    __global const float* g = m5 + o5 + ((b * i3 + i) * i1 + h) * i5;
    int po = ((b * i1 + h) * i3 + i) * i4;
    __global const float* p = m4 + o4 + po;
    __global float* ds = m6 + o6 + po;
    int lo = key_lo(i, i3, i4, i12), hi = key_hi(i, i3, i4, i9);
    float rowDot = 0.0f;
    // item l owns the keys j ≡ l (mod ATTN_GROUP) in both loops: the second reads back what the first wrote
    for (int j = lo - lo % ATTN_GROUP + l; j < hi; j += ATTN_GROUP) {
        if (j < lo) continue;
        __global const float* v = m2 + o2 + (b * i4 + j) * i8 + kvh * i5;
        float dp = 0.0f;
        for (int e = 0; e < i5; e++) dp += g[e] * v[e];
        ds[j] = dp;
        rowDot += dp * p[j];
    }
    rowDot = group_sum(rowDot, scratch);
    for (int j = l; j < i4; j += ATTN_GROUP) ds[j] = j >= lo && j < hi ? p[j] * (ds[j] - rowDot) * f0 : 0.0f;
}

// ATTENTION_GRAD_Q: item per (b, i, h, e) of q's [B, tq, Hq, D]: gq o3 (laid out as q) += Σ_j ds · k
__kernel void attention_grad_q(KILN_ARGS) {
    int x = GID;
    if (x >= i0 * i3 * i1 * i5) return;
    int e = x % i5, h = (x / i5) % i1, i = (x / (i5 * i1)) % i3, b = x / (i5 * i1 * i3), kvh = h / i2;
    __global const float* ds = m6 + o6 + ((b * i1 + h) * i3 + i) * i4;
    float acc = 0.0f;
    int hi = key_hi(i, i3, i4, i9);
    for (int j = key_lo(i, i3, i4, i12); j < hi; j++) acc += ds[j] * m1[o1 + (b * i4 + j) * i7 + kvh * i5 + e];
    m3[o3 + (b * i3 + i) * i6 + h * i5 + e] += acc;
}

// ATTENTION_GRAD_KV: item per (b, j, kvh, e) of k's [B, tk, Hkv, D]: over the group's heads h and queries i,
// gk o3 (laid out as k) += Σ ds · q, gv o7 (laid out as v) += Σ p · gOut
__kernel void attention_grad_kv(KILN_ARGS) {
    int x = GID;
    int hkv = i1 / i2;
    if (x >= i0 * i4 * hkv * i5) return;
    int e = x % i5, kvh = (x / i5) % hkv, j = (x / (i5 * hkv)) % i4, b = x / (i5 * hkv * i4);
    float gk = 0.0f, gv = 0.0f;
    int first = query_lo(j, i3, i4, i9), end = query_hi(j, i3, i4, i12);
    for (int h = kvh * i2; h < (kvh + 1) * i2; h++) {
        for (int i = first; i < end; i++) {
            int p = ((b * i1 + h) * i3 + i) * i4 + j;
            gk += m6[o6 + p] * m0[o0 + (b * i3 + i) * i6 + h * i5 + e];
            gv += m4[o4 + p] * m5[o5 + ((b * i3 + i) * i1 + h) * i5 + e];
        }
    }
    m3[o3 + (b * i4 + j) * i7 + kvh * i5 + e] += gk;
    m7[o7 + (b * i4 + j) * i8 + kvh * i5 + e] += gv;
}

// ROPE: item per pair (b, t, h, p < D/2), i < i0; x o0, y o1 [B, i1 = seq, i2 = heads, i3 = D];
// table o2 [seq, D/2, 2] = (cos, sin) of the angle, computed on the host; i4 = 1 rotates back
__kernel void rope(KILN_ARGS) {
    int x = GID;
    if (x >= i0) return;
    int halfD = i3 / 2;
    int p = x % halfD, rest = x / halfD;
    int t = (rest / i2) % i1;
    int base = rest * i3;
    float c = m2[o2 + (t * halfD + p) * 2], s = m2[o2 + (t * halfD + p) * 2 + 1];
    if (i4 != 0) s = -s;
    float x1 = m0[o0 + base + p], x2 = m0[o0 + base + p + halfD];
    m1[o1 + base + p] = x1 * c - x2 * s;
    m1[o1 + base + p + halfD] = x1 * s + x2 * c;
}
