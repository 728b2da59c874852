package dev.kiln.backend.cpu;

import dev.kiln.api.backend.AttentionSpec;

import java.util.Arrays;

/**
 * Memory-efficient attention (flash-attention style): forward writes the output and one logsumexp per
 * query row, lse [B, Hq, tq], and no [B, Hq, tq, tk] probabilities; backward recomputes the probabilities
 * a block of {@link #BLOCK_ROWS} query rows at a time, P = exp(scale·Q·Kᵀ − lse), in a per-thread scratch
 * of [block, keys the block sees] (two of them in backward), then applies the same gradient GEMMs as
 * {@link CpuAttention}. Causal blocks multiply only the keys some row of the block can see, so a sliding
 * window costs O(tq·(W + block)). Masks and segments are applied again in backward exactly as in forward.
 * Forward runs (batch, query head) pairs in parallel; backward (batch, kv head) pairs, so the heads of one
 * GQA group never race on gk / gv. A query row that sees no key has lse −∞, output 0 and no gradient.
 */
final class CpuFlashAttention {
    static final int BLOCK_ROWS = 64;

    private final Parallel par;
    private final Gemm gemm;
    private final AttentionRows rows;
    private final ThreadLocal<float[]> scratch = ThreadLocal.withInitial(() -> new float[0]);

    CpuFlashAttention(Parallel par, Gemm gemm, Lanes lanes) {
        this.par = par;
        this.gemm = gemm;
        this.rows = new AttentionRows(lanes, gemm);
    }

    /** Floats of the saved statistics: lse [B, Hq, tq]. */
    static int statsSize(AttentionSpec s) { return s.batch() * s.qHeads() * s.tq(); }

    private float[] scratch(int n) {
        float[] f = scratch.get();
        if (f.length < n) scratch.set(f = new float[n]);
        return f;
    }

    // q: [B,tq,Hq,D] strided; k, v: [B,tk,Hkv,D] strided; out: [B,tq,Hq,D]; lse: [B,Hq,tq]
    void forward(AttentionSpec s, float[] q, float[] k, float[] v, int[] keyMask, int[] segments, float[] out, float[] lse) {
        int tq = s.tq(), tk = s.tk(), d = s.headDim(), hq = s.qHeads();
        if (tk == 0) {
            Arrays.fill(out, 0, s.outSize(), 0f);
            Arrays.fill(lse, 0, statsSize(s), Float.NEGATIVE_INFINITY);
            return;
        }
        par.each(s.batch() * hq, task -> {
            int b = task / hq, h = task % hq, kvh = h / s.group();
            int qo = s.qOffset() + b * tq * s.qRowStride() + h * d;
            int ko = s.kOffset() + b * tk * s.kRowStride() + kvh * d;
            int vo = s.vOffset() + b * tk * s.vRowStride() + kvh * d;
            int oo = b * tq * hq * d + h * d, lo0 = (b * hq + h) * tq;
            float[] p = scratch(Math.min(tq, BLOCK_ROWS) * tk);
            for (int r0 = 0; r0 < tq; r0 += BLOCK_ROWS) {
                int r1 = Math.min(tq, r0 + BLOCK_ROWS), m = r1 - r0, lo = s.firstKey(r0), n = Math.max(0, s.endKey(r1 - 1) - lo);
                // P [m, n] = scale · Q_h [m, D] · K_h [lo, lo + n)ᵀ, then the masked softmax of each row in place
                gemm.run(false, m, n, d, s.scale(), q, qo + r0 * s.qRowStride(), s.qRowStride(), false,
                        k, ko + lo * s.kRowStride(), s.kRowStride(), true, p, 0, n, false);
                for (int i = 0; i < m; i++) lse[lo0 + r0 + i] = rows.softmax(s, b, r0 + i, lo, n, keyMask, segments, p, i * n);
                // out_h [m, D] = P [m, n] · V_h [n, D]
                gemm.run(false, m, d, n, 1f, p, 0, n, false, v, vo + lo * s.vRowStride(), s.vRowStride(), false,
                        out, oo + r0 * hq * d, hq * d, false);
            }
        });
    }

    // lse: [B,Hq,tq]; gOut: [B,tq,Hq,D]; gq, gk, gv laid out as q, k, v (accumulated)
    void backward(AttentionSpec s, float[] q, float[] k, float[] v, int[] keyMask, int[] segments, float[] lse,
                  float[] gOut, float[] gq, float[] gk, float[] gv) {
        int tq = s.tq(), tk = s.tk(), d = s.headDim(), hq = s.qHeads(), g = s.group();
        if (tk == 0 || tq == 0) return;
        par.each(s.batch() * s.kvHeads(), task -> {
            int b = task / s.kvHeads(), kvh = task % s.kvHeads();
            int ko = s.kOffset() + b * tk * s.kRowStride() + kvh * d;
            int vo = s.vOffset() + b * tk * s.vRowStride() + kvh * d;
            int half = Math.min(tq, BLOCK_ROWS) * tk;
            float[] buf = scratch(2 * half);   // P at [0, half), dP / dS at [half, 2·half)
            for (int h = kvh * g; h < (kvh + 1) * g; h++) {
                int qo = s.qOffset() + b * tq * s.qRowStride() + h * d, go = b * tq * hq * d + h * d, lo0 = (b * hq + h) * tq;
                for (int r0 = 0; r0 < tq; r0 += BLOCK_ROWS) {
                    int r1 = Math.min(tq, r0 + BLOCK_ROWS), m = r1 - r0, lo = s.firstKey(r0), n = Math.max(0, s.endKey(r1 - 1) - lo);
                    if (n == 0) continue;   // no row of the block sees a key: every gradient term is zero
                    int qb = qo + r0 * s.qRowStride(), gb = go + r0 * hq * d;
                    int kb = ko + lo * s.kRowStride(), vb = vo + lo * s.vRowStride();
                    // P [m, n] recomputed: exp(scale · Q_h K_hᵀ − lse) on the visible keys
                    gemm.run(false, m, n, d, s.scale(), q, qb, s.qRowStride(), false, k, kb, s.kRowStride(), true, buf, 0, n, false);
                    for (int i = 0; i < m; i++) rows.probabilities(s, b, r0 + i, lo, n, lse[lo0 + r0 + i], keyMask, segments, buf, i * n);
                    // dP [m, n] = dO_h [m, D] · V_h [n, D]ᵀ
                    gemm.run(false, m, n, d, 1f, gOut, gb, hq * d, false, v, vb, s.vRowStride(), true, buf, half, n, false);
                    rows.blockBackward(s, m, n, buf, 0, n, buf, half, q, qb, k, kb, gOut, gb, gq, gk, gv, vb);
                }
            }
        });
    }
}
