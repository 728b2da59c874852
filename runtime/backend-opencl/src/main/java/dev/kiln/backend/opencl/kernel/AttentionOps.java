package dev.kiln.backend.opencl.kernel;

/**
 * Scaled dot-product attention (layouts of dev.kiln.api.backend.AttentionSpec) and rotary positions.
 *
 * <p>Forward registers: q o0, k o1, v o2 (offsets already include the spec's q/k/v offsets), out o3
 * [B, tq, Hq, D], probs o4 [B, Hq, tq, tk]; i0 = B, i1 = Hq, i2 = group (Hq / Hkv), i3 = tq,
 * i4 = tk, i5 = D, i6/i7/i8 = q/k/v row strides, i9 = flags (1 causal, 2 key mask at ints[i10 + b·tk + j],
 * 4 segments at ints[i11 + b·tk + j]), i12 = sliding window (0 = none), f0 = scale. A row is (b, h, i) = index / (Hq·tq), (index / tq) % Hq, index % tq.
 *
 * <p>Fused path: one work-group of {@link #ATTN_GROUP} per query row, the query in lmem[0, D) and the
 * scores in lmem[256, 256 + tk) (so D ≤ {@link #FUSED_MAX_D}, tk ≤ {@link #FUSED_MAX_T}), reductions in
 * lmem[2304, 2368). General path: one work item per row, using its probs row as the score buffer.
 * Backward: dScores per row into a scratch [B, Hq, tq, tk] (o6), then gq per element of q, then gk and
 * gv per element of k / v (summing over the query heads of its group), so no two items write one float.
 */
public abstract class AttentionOps extends RowOps {
    public static final int ATTN_GROUP = 64, FUSED_MAX_D = 256, FUSED_MAX_T = 2048;
    private static final int SCORES = 256, RED = 2304;

    /** Whether query i of item b sees key j (causal, sliding window, key mask, segments). */
    protected boolean visible(int b, int i, int j) {
        int qPos = i + i4 - i3;
        boolean ok = true;
        if ((i9 & 1) != 0 && j > qPos) ok = false;
        if (i12 > 0 && j <= qPos - i12) ok = false;
        if ((i9 & 2) != 0 && ints[i10 + b * i4 + j] == 0) ok = false;
        if ((i9 & 4) != 0 && ints[i11 + b * i4 + j] != ints[i11 + b * i4 + qPos]) ok = false;
        return ok;
    }

    protected float dotQK(int qo, int ko) {
        float dot = 0f;
        for (int e = 0; e < i5; e++) dot += ld(qo + e) * ld(ko + e);
        return dot;
    }

    // ATTENTION_FUSED: one work-group per query row (see class comment)
    protected void attentionFused() {
        int row = getGroupId(0), l = getLocalId(0);
        int b = row / (i1 * i3), h = (row / i3) % i1, i = row % i3, kvh = h / i2;
        int qo = o0 + (b * i3 + i) * i6 + h * i5;
        for (int e = l; e < i5; e += ATTN_GROUP) lmem[e] = ld(qo + e);
        localBarrier();
        float mx = negInf;
        for (int j = l; j < i4; j += ATTN_GROUP) {
            float s = negInf;
            if (visible(b, i, j)) {
                int ko = o1 + (b * i4 + j) * i7 + kvh * i5;
                float dot = 0f;
                for (int e = 0; e < i5; e++) dot += lmem[e] * ld(ko + e);
                s = dot * f0;
            }
            lmem[SCORES + j] = s;
            mx = max(mx, s);
        }
        mx = groupReduce(mx, RED, 1);
        float sum = 0f;
        for (int j = l; j < i4; j += ATTN_GROUP) {
            float p = 0f;
            if (mx != negInf && lmem[SCORES + j] != negInf) p = exp(lmem[SCORES + j] - mx);
            lmem[SCORES + j] = p;
            sum += p;
        }
        sum = groupReduce(sum, RED, 0);
        int po = ((b * i1 + h) * i3 + i) * i4;
        for (int j = l; j < i4; j += ATTN_GROUP) {
            float p = sum == 0f ? 0f : lmem[SCORES + j] / sum;
            lmem[SCORES + j] = p;
            st(o4 + po + j, p);
        }
        localBarrier();
        int oo = o3 + ((b * i3 + i) * i1 + h) * i5;
        for (int e = l; e < i5; e += ATTN_GROUP) {
            float acc = 0f;
            for (int j = 0; j < i4; j++) acc += lmem[SCORES + j] * ld(o2 + (b * i4 + j) * i8 + kvh * i5 + e);
            st(oo + e, acc);
        }
    }

    // ATTENTION_GENERAL: one work item per query row; the probs row holds the scores meanwhile
    protected void attentionGeneral(int row) {
        if (row < i0 * i1 * i3) {
            int b = row / (i1 * i3), h = (row / i3) % i1, i = row % i3, kvh = h / i2;
            int qo = o0 + (b * i3 + i) * i6 + h * i5;
            int po = o4 + ((b * i1 + h) * i3 + i) * i4;
            float mx = negInf;
            for (int j = 0; j < i4; j++) {
                float s = negInf;
                if (visible(b, i, j)) s = dotQK(qo, o1 + (b * i4 + j) * i7 + kvh * i5) * f0;
                st(po + j, s);
                mx = max(mx, s);
            }
            float sum = 0f;
            for (int j = 0; j < i4; j++) {
                float p = 0f;
                if (mx != negInf && ld(po + j) != negInf) p = exp(ld(po + j) - mx);
                st(po + j, p);
                sum += p;
            }
            for (int j = 0; j < i4; j++) st(po + j, sum == 0f ? 0f : ld(po + j) / sum);
            int oo = o3 + ((b * i3 + i) * i1 + h) * i5;
            for (int e = 0; e < i5; e++) {
                float acc = 0f;
                for (int j = 0; j < i4; j++) acc += ld(po + j) * ld(o2 + (b * i4 + j) * i8 + kvh * i5 + e);
                st(oo + e, acc);
            }
        }
    }

    // ATTENTION_DSCORES: ds o6 [B, Hq, tq, tk] = p·(gOut·v − Σ_j p·(gOut·v))·scale; probs o4, gOut o5 [B, tq, Hq, D]
    protected void attentionDScores(int row) {
        if (row < i0 * i1 * i3) {
            int b = row / (i1 * i3), h = (row / i3) % i1, i = row % i3, kvh = h / i2;
            int go = o5 + ((b * i3 + i) * i1 + h) * i5;
            int po = ((b * i1 + h) * i3 + i) * i4;
            float rowDot = 0f;
            for (int j = 0; j < i4; j++) {
                float dp = dotQK(go, o2 + (b * i4 + j) * i8 + kvh * i5);
                st(o6 + po + j, dp);
                rowDot += dp * ld(o4 + po + j);
            }
            for (int j = 0; j < i4; j++) st(o6 + po + j, ld(o4 + po + j) * (ld(o6 + po + j) - rowDot) * f0);
        }
    }

    // ATTENTION_GRAD_Q: item per (b, i, h, e) of q's [B, tq, Hq, D]: gq o3 (laid out as q) += Σ_j ds · k
    protected void attentionGradQ(int x) {
        if (x < i0 * i3 * i1 * i5) {
            int e = x % i5, h = (x / i5) % i1, i = (x / (i5 * i1)) % i3, b = x / (i5 * i1 * i3), kvh = h / i2;
            int po = o6 + ((b * i1 + h) * i3 + i) * i4;
            float acc = 0f;
            for (int j = 0; j < i4; j++) acc += ld(po + j) * ld(o1 + (b * i4 + j) * i7 + kvh * i5 + e);
            int t = o3 + (b * i3 + i) * i6 + h * i5 + e;
            st(t, ld(t) + acc);
        }
    }

    // ATTENTION_GRAD_KV: item per (b, j, kvh, e) of k's [B, tk, Hkv, D]: over the group's heads h and queries i,
    // gk o3 (laid out as k) += Σ ds · q, gv o7 (laid out as v) += Σ p · gOut
    protected void attentionGradKV(int x) {
        int hkv = i1 / i2;
        if (x < i0 * i4 * hkv * i5) {
            int e = x % i5, kvh = (x / i5) % hkv, j = (x / (i5 * hkv)) % i4, b = x / (i5 * hkv * i4);
            float gk = 0f, gv = 0f;
            for (int h = kvh * i2; h < (kvh + 1) * i2; h++) {
                for (int i = 0; i < i3; i++) {
                    int p = ((b * i1 + h) * i3 + i) * i4 + j;
                    gk += ld(o6 + p) * ld(o0 + (b * i3 + i) * i6 + h * i5 + e);
                    gv += ld(o4 + p) * ld(o5 + ((b * i3 + i) * i1 + h) * i5 + e);
                }
            }
            int kt = o3 + (b * i4 + j) * i7 + kvh * i5 + e, vt = o7 + (b * i4 + j) * i8 + kvh * i5 + e;
            st(kt, ld(kt) + gk);
            st(vt, ld(vt) + gv);
        }
    }

    // ROPE: item per pair (b, t, h, p < D/2), i < i0; x o0, y o1 [B, i1 = seq, i2 = heads, i3 = D];
    // table o2 [seq, D/2, 2] = (cos, sin) of the angle, computed on the host in double; i4 = 1 rotates back
    protected void rope(int x) {
        if (x < i0) {
            int halfD = i3 / 2;
            int p = x % halfD, rest = x / halfD;
            int t = (rest / i2) % i1;
            int base = rest * i3;
            float c = ld(o2 + (t * halfD + p) * 2), s = ld(o2 + (t * halfD + p) * 2 + 1);
            if (i4 != 0) s = -s;
            float x1 = ld(o0 + base + p), x2 = ld(o0 + base + p + halfD);
            st(o1 + base + p, x1 * c - x2 * s);
            st(o1 + base + p + halfD, x1 * s + x2 * c);
        }
    }
}
