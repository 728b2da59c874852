package dev.kiln.backend.cpu;

import dev.kiln.api.backend.AttentionSpec;

import java.util.Arrays;

/**
 * Attention forward over short sequences, a micro-kernel's mr query rows at a time: the rows' scores against the
 * keys the last of them can see (S = scale·Q·Kᵀ, the GEMM micro-kernel against Kᵀ packed once per head), their
 * softmax while the block is in L1, then O = P·V through the micro-kernel against V packed once per head. Against
 * {@link CpuAttention}'s GEMM per block of 64 rows, causal rows skip the key panels past their last key and P·V
 * stops at it, and no GEMM set-up (packing, fan-out bookkeeping, edge tiles) is paid per block. For heads a whole
 * number of the kernel's panels wide, at most {@link #MAX_KEYS} keys, no key mask, segments or window. Causal
 * forward, both paths alternating in one JVM (AMD EPYC): tiny's layer (B 16, H 4, T 64, D 32) 472 → 437 µs on 2
 * threads, 929 → 845 on one; small's (B 8, H 4, T 128, D 64) 1,179 → 1,046 µs. What is left is mostly not FLOPs:
 * the row softmax, the probabilities written for backward, the packing.
 */
final class AttentionRowTiles {
    /** Longer sequences keep CpuAttention's blocks, which reuse each packed panel across 64 rows. */
    static final int MAX_KEYS = 128;

    private final Gemm gemm;
    private final MicroKernel kernel;
    private final AttentionRows rows;
    private final int mr, nr;
    // per thread: Kᵀ panels [keyPanels][d][nr], V panels [d/nr][tk][nr], then scores [mr][ldS], padded q rows [mr][d], a tile
    private final ThreadLocal<float[][]> scratch = ThreadLocal.withInitial(() -> new float[3][0]);

    AttentionRowTiles(Gemm gemm, AttentionRows rows) {
        this.gemm = gemm;
        this.kernel = gemm.kernel();
        this.rows = rows;
        this.mr = kernel.mr();
        this.nr = kernel.nr();
    }

    boolean applies(AttentionSpec s, int[] keyMask, int[] segments) {
        return kernel.readsUnpacked() && keyMask == null && segments == null && s.window() == 0
                && s.tk() > 0 && s.tk() <= MAX_KEYS && s.headDim() % nr == 0;
    }

    /**
     * One (batch b, query head): q rows from qo, keys from ko, values from vo (their specs' row strides); out rows
     * from oo with row stride qHeads·headDim; probs [tq, tk] from po, zero where a query does not see a key.
     */
    void head(AttentionSpec s, int b, float[] q, int qo, float[] k, int ko, float[] v, int vo, float[] out, int oo,
              float[] probs, int po) {
        int tq = s.tq(), tk = s.tk(), d = s.headDim(), outStride = s.qHeads() * d;
        int keyPanels = (tk + nr - 1) / nr, ldS = keyPanels * nr;
        float[][] buffers = scratch.get();
        float[] kp = grown(buffers, 0, keyPanels * d * nr), vp = grown(buffers, 1, d * tk);
        int sb = 0, qp = sb + mr * ldS, tile = qp + mr * d;
        float[] w = grown(buffers, 2, tile + mr * nr);
        gemm.packPanels(kp, k, ko, s.kRowStride(), true, d, tk);     // Kᵀ [d, tk]
        gemm.packPanels(vp, v, vo, s.vRowStride(), false, tk, d);    // V [tk, d]
        for (int r0 = 0; r0 < tq; r0 += mr) {
            int m = Math.min(mr, tq - r0), end = s.endKey(r0 + m - 1);   // endKey grows with the row
            if (end <= 0) {                                             // no row of the block sees a key
                for (int i = r0; i < r0 + m; i++) {
                    Arrays.fill(out, oo + i * outStride, oo + i * outStride + d, 0f);
                    Arrays.fill(probs, po + i * tk, po + (i + 1) * tk, 0f);
                }
                continue;
            }
            int panels = (end + nr - 1) / nr;
            float[] a = q;
            int ao = qo + r0 * s.qRowStride(), lda = s.qRowStride();
            if (m < mr) {                                               // the kernel reads mr rows: pad the last block
                padRows(q, ao, lda, m, mr, d, w, qp);
                a = w;
                ao = qp;
                lda = d;
            }
            // S [mr, panels·nr] = scale · Q_rows [mr, d] · Kᵀ [d, panels·nr]
            for (int jp = 0; jp < panels; jp++) {
                kernel.runUnpacked(false, d, a, ao, lda, kp, jp * d * nr, w, sb + jp * nr, ldS, s.scale(), false);
            }
            for (int i = 0; i < m; i++) {
                int row = sb + i * ldS, seen = Math.min(tk, panels * nr);
                rows.softmax(s, b, r0 + i, 0, panels * nr, null, null, w, row);
                System.arraycopy(w, row, probs, po + (r0 + i) * tk, seen);
                Arrays.fill(probs, po + (r0 + i) * tk + seen, po + (r0 + i + 1) * tk, 0f);
            }
            // O_rows [mr, d] = P [mr, end] · V [end, d], one nr-wide panel of d at a time
            for (int dp = 0; dp < d / nr; dp++) {
                int o = oo + r0 * outStride + dp * nr;
                if (m == mr) {
                    kernel.runUnpacked(false, end, w, sb, ldS, vp, dp * tk * nr, out, o, outStride, 1f, false);
                } else {
                    kernel.runUnpacked(false, end, w, sb, ldS, vp, dp * tk * nr, w, tile, nr, 1f, false);
                    for (int i = 0; i < m; i++) System.arraycopy(w, tile + i * nr, out, o + i * outStride, nr);
                }
            }
        }
    }

    /** w[wo, + mr·cols) = m rows of cols floats from src (from so, row stride ld), then zero rows up to mr. */
    static void padRows(float[] src, int so, int ld, int m, int mr, int cols, float[] w, int wo) {
        for (int i = 0; i < m; i++) System.arraycopy(src, so + i * ld, w, wo + i * cols, cols);
        Arrays.fill(w, wo + m * cols, wo + mr * cols, 0f);
    }

    /** buffers[i], replaced by a bigger array first if it holds fewer than {@code floats}. */
    static float[] grown(float[][] buffers, int i, int floats) {
        if (buffers[i].length < floats) buffers[i] = new float[floats];
        return buffers[i];
    }
}
