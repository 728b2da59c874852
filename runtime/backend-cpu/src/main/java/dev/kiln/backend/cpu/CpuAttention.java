package dev.kiln.backend.cpu;

import dev.kiln.api.backend.AttentionSpec;

import java.util.Arrays;

/**
 * Attention as per-head GEMMs on the strided q / k / v in place: S = scale·Q·Kᵀ into the probs
 * buffer, masked row softmax there, O = P·V. Forward runs (batch, query head) pairs in parallel;
 * backward runs (batch, kv head) pairs, so the heads of one GQA group never race on gk / gv.
 */
final class CpuAttention {
    private final Parallel par;
    private final Gemm gemm;
    private final Lanes lanes;
    private final ThreadLocal<float[]> scratch = ThreadLocal.withInitial(() -> new float[0]);

    CpuAttention(Parallel par, Gemm gemm, Lanes lanes) {
        this.par = par;
        this.gemm = gemm;
        this.lanes = lanes;
    }

    // q: [B,tq,Hq,D] strided; k, v: [B,tk,Hkv,D] strided; out: [B,tq,Hq,D]; probs: [B,Hq,tq,tk]
    void forward(AttentionSpec s, float[] q, float[] k, float[] v, int[] keyMask, int[] segments,
                 float[] out, float[] probs) {
        int tq = s.tq(), tk = s.tk(), d = s.headDim(), hq = s.qHeads();
        if (tk == 0) {
            Arrays.fill(out, 0, s.outSize(), 0f);
            return;
        }
        par.each(s.batch() * hq, task -> {
            int b = task / hq, h = task % hq, kvh = h / s.group();
            int qo = s.qOffset() + b * tq * s.qRowStride() + h * d;
            int ko = s.kOffset() + b * tk * s.kRowStride() + kvh * d;
            int vo = s.vOffset() + b * tk * s.vRowStride() + kvh * d;
            int po = (b * hq + h) * tq * tk, oo = b * tq * hq * d + h * d;
            // scores [tq, tk] = scale · Q_h [tq, D] · K_h [tk, D]ᵀ
            gemm.run(false, tq, tk, d, s.scale(), q, qo, s.qRowStride(), false, k, ko, s.kRowStride(), true,
                    probs, po, tk, false);
            for (int i = 0; i < tq; i++) maskedSoftmax(s, b, i, keyMask, segments, probs, po + i * tk);
            // out_h [tq, D] = P [tq, tk] · V_h [tk, D]
            gemm.run(false, tq, d, tk, 1f, probs, po, tk, false, v, vo, s.vRowStride(), false,
                    out, oo, hq * d, false);
        });
    }

    // one row of scores p[o, o+tk) of query i: −∞ where masked, then softmax; all zero if nothing is visible
    private void maskedSoftmax(AttentionSpec s, int b, int i, int[] keyMask, int[] segments, float[] p, int o) {
        int tk = s.tk(), qPos = i + tk - s.tq(), visibleEnd = s.causal() ? Math.min(tk, Math.max(qPos + 1, 0)) : tk;
        Arrays.fill(p, o + visibleEnd, o + tk, Float.NEGATIVE_INFINITY);
        if (keyMask != null || segments != null) {
            int seg = segments == null ? 0 : segments[b * tk + qPos];
            for (int j = 0; j < visibleEnd; j++) {
                if ((keyMask != null && keyMask[b * tk + j] == 0) || (segments != null && segments[b * tk + j] != seg))
                    p[o + j] = Float.NEGATIVE_INFINITY;
            }
        }
        float max = lanes.max(p, o, visibleEnd);
        if (max == Float.NEGATIVE_INFINITY) {
            Arrays.fill(p, o, o + tk, 0f);
            return;
        }
        float sum = lanes.expShift(p, o, p, o, visibleEnd, max);
        float inv = (float) (1.0 / sum);
        for (int j = o; j < o + visibleEnd; j++) p[j] *= inv;
        Arrays.fill(p, o + visibleEnd, o + tk, 0f);
    }

    // probs: [B,Hq,tq,tk]; gOut: [B,tq,Hq,D]; gq, gk, gv laid out as q, k, v
    void backward(AttentionSpec s, float[] q, float[] k, float[] v, float[] probs, float[] gOut,
                  float[] gq, float[] gk, float[] gv) {
        int tq = s.tq(), tk = s.tk(), d = s.headDim(), hq = s.qHeads(), g = s.group();
        if (tk == 0 || tq == 0) return;
        par.each(s.batch() * s.kvHeads(), task -> {
            int b = task / s.kvHeads(), kvh = task % s.kvHeads();
            int ko = s.kOffset() + b * tk * s.kRowStride() + kvh * d;
            int vo = s.vOffset() + b * tk * s.vRowStride() + kvh * d;
            float[] ds = scratch.get();
            if (ds.length < tq * tk) scratch.set(ds = new float[tq * tk]);
            for (int h = kvh * g; h < (kvh + 1) * g; h++) {
                int qo = s.qOffset() + b * tq * s.qRowStride() + h * d;
                int po = (b * hq + h) * tq * tk, go = b * tq * hq * d + h * d;
                // dP [tq, tk] = dO_h [tq, D] · V_h [tk, D]ᵀ
                gemm.run(false, tq, tk, d, 1f, gOut, go, hq * d, false, v, vo, s.vRowStride(), true, ds, 0, tk, false);
                // dS = scale · P ⊙ (dP − rowsum(dP ⊙ P))
                for (int i = 0; i < tq; i++) {
                    int r = i * tk, pr = po + r;
                    float rowDot = lanes.dot(ds, r, probs, pr, tk);
                    for (int j = 0; j < tk; j++) ds[r + j] = probs[pr + j] * (ds[r + j] - rowDot) * s.scale();
                }
                // gq_h [tq, D] += dS · K_h ; gk_h [tk, D] += dSᵀ · Q_h ; gv_h [tk, D] += Pᵀ · dO_h
                gemm.run(false, tq, d, tk, 1f, ds, 0, tk, false, k, ko, s.kRowStride(), false, gq, qo, s.qRowStride(), true);
                gemm.run(false, tk, d, tq, 1f, ds, 0, tk, true, q, qo, s.qRowStride(), false, gk, ko, s.kRowStride(), true);
                gemm.run(false, tk, d, tq, 1f, probs, po, tk, true, gOut, go, hq * d, false, gv, vo, s.vRowStride(), true);
            }
        });
    }
}
