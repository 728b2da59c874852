package dev.kiln.backend.cpu;

import dev.kiln.api.backend.AttentionSpec;

import java.util.Arrays;

/**
 * Query rows of attention scores held for keys [lo, lo + n): visibility (causal span, sliding window, key
 * mask, segments), the masked softmax, and the gradient GEMMs of a block of rows, shared by
 * {@link CpuAttention} (saved probabilities) and {@link CpuFlashAttention} (probabilities recomputed from a
 * saved logsumexp).
 */
final class AttentionRows {
    private final Lanes lanes;
    private final Gemm gemm;

    AttentionRows(Lanes lanes, Gemm gemm) {
        this.lanes = lanes;
        this.gemm = gemm;
    }

    /** Scores p[o, o+n) of query i → its masked softmax in place (zeros outside its span); returns the logsumexp, −∞ if it sees no key. */
    float softmax(AttentionSpec s, int b, int i, int lo, int n, int[] keyMask, int[] segments, float[] p, int o) {
        int from = from(s, i, lo, n), to = to(s, i, lo, n, from), end = padded(from, to, n);
        Arrays.fill(p, o, o + from, 0f);
        Arrays.fill(p, o + to, o + end, Float.NEGATIVE_INFINITY);
        Arrays.fill(p, o + end, o + n, 0f);
        mask(s, b, i, lo, from, to, keyMask, segments, p, o);
        float max = lanes.max(p, o + from, end - from);
        if (max == Float.NEGATIVE_INFINITY) {
            Arrays.fill(p, o + from, o + end, 0f);
            return Float.NEGATIVE_INFINITY;
        }
        float sum = lanes.expShift(p, o + from, p, o + from, end - from, max);   // the padding's exp is 0 and adds +0
        lanes.scale(p, o + from, end - from, (float) (1.0 / sum));
        return max + (float) Math.log(sum);
    }

    /** Scores p[o, o+n) of query i → its probabilities exp(score − lse) where visible, 0 elsewhere. */
    void probabilities(AttentionSpec s, int b, int i, int lo, int n, float lse, int[] keyMask, int[] segments, float[] p, int o) {
        if (lse == Float.NEGATIVE_INFINITY) {
            Arrays.fill(p, o, o + n, 0f);
            return;
        }
        int from = from(s, i, lo, n), to = to(s, i, lo, n, from), end = padded(from, to, n);
        Arrays.fill(p, o, o + from, 0f);
        Arrays.fill(p, o + to, o + end, Float.NEGATIVE_INFINITY);
        Arrays.fill(p, o + end, o + n, 0f);
        mask(s, b, i, lo, from, to, keyMask, segments, p, o);
        lanes.expShift(p, o + from, p, o + from, end - from, lse);   // exp(−∞ − lse) = 0 at masked keys and the padding
    }

    // where the exponentials of a span [from, to) end: past to, up to a whole number of vectors where the row has
    // room, so a causal row takes no scalar tail (scalar exp was 15% of tiny's attention forward); keys there
    // are set to −∞ first, whose exp is exactly 0
    private int padded(int from, int to, int n) {
        int w = lanes.width(), end = from + (to - from + w - 1) / w * w;
        return end <= n ? end : to;
    }

    /**
     * Accumulates the gradients of one block of m query rows of head h against keys [lo, lo + n), given its
     * probabilities P [m, n] (row stride pStride; zero where not visible) and dP = dO·Vᵀ [m, n] in ds (row
     * stride n, overwritten by dS). qb, kb, vb, gb: offsets of the block's first q row, first key / value row
     * and first dO row ([B,tq,Hq,D], row stride hq·d).
     */
    void blockBackward(AttentionSpec s, int m, int n, float[] p, int pb, int pStride, float[] ds, int dso,
                       float[] q, int qb, float[] k, int kb, float[] gOut, int gb, float[] gq, float[] gk, float[] gv, int vb) {
        int d = s.headDim(), gStride = s.qHeads() * d;
        // dS = scale · P ⊙ (dP − rowsum(dP ⊙ P))
        for (int i = 0; i < m; i++) {
            int r = dso + i * n, pr = pb + i * pStride;
            float rowDot = lanes.dot(ds, r, p, pr, n);
            lanes.softmaxGradient(p, pr, ds, r, n, rowDot, s.scale());
        }
        // gq_h [m, D] += dS · K_h ; gk_h [n, D] += dSᵀ · Q_h ; gv_h [n, D] += Pᵀ · dO_h
        gemm.run(false, m, d, n, 1f, ds, dso, n, false, k, kb, s.kRowStride(), false, gq, qb, s.qRowStride(), true);
        gemm.run(false, n, d, m, 1f, ds, dso, n, true, q, qb, s.qRowStride(), false, gk, kb, s.kRowStride(), true);
        gemm.run(false, n, d, m, 1f, p, pb, pStride, true, gOut, gb, gStride, false, gv, vb, s.vRowStride(), true);
    }

    // the span of keys query i sees by position, relative to lo and clipped to [0, n)
    private static int from(AttentionSpec s, int i, int lo, int n) { return Math.min(n, s.firstKey(i) - lo); }

    private static int to(AttentionSpec s, int i, int lo, int n, int from) { return Math.max(from, Math.min(n, s.endKey(i) - lo)); }

    // −∞ at the keys lo + [from, to) that the key mask or the segments hide from query i
    private static void mask(AttentionSpec s, int b, int i, int lo, int from, int to, int[] keyMask, int[] segments, float[] p, int o) {
        if (keyMask == null && segments == null) return;
        int tk = s.tk(), seg = segments == null ? 0 : segments[b * tk + s.queryPosition(i)];
        for (int j = from; j < to; j++) {
            int key = b * tk + lo + j;
            if ((keyMask != null && keyMask[key] == 0) || (segments != null && segments[key] != seg)) p[o + j] = Float.NEGATIVE_INFINITY;
        }
    }
}
