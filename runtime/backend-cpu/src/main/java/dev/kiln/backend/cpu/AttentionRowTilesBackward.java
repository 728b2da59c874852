package dev.kiln.backend.cpu;

import dev.kiln.api.backend.AttentionSpec;

import java.util.Arrays;

/**
 * Attention backward over short sequences in micro-kernel row tiles, from the probabilities the forward kept: the
 * backward of {@link AttentionRowTiles}. Per head, six query rows at a time: dP = dO·Vᵀ against the keys the tile's
 * last row sees, dS = scale·P ⊙ (dP − rowsum(dP ⊙ P)) into a per-head dS, and dQ += dS·K; then six key rows at a
 * time, from the first query row that sees the tile's first key: dK += dSᵀ·Q and dV += Pᵀ·dO. Vᵀ, K, Q and dO are
 * packed once per head, so no product pays GEMM set-up, and causal tiles skip what no row of them sees (the block
 * path multiplies whole 64-row blocks). P is zero wherever a query does not see a key (masks, padding, the future),
 * so only the geometry limits where this applies: heads a whole number of the kernel's panels wide, at most
 * {@link AttentionRowTiles#MAX_KEYS} keys.
 */
final class AttentionRowTilesBackward {
    private final Gemm gemm;
    private final MicroKernel kernel;
    private final Lanes lanes;
    private final int mr, nr;
    // per thread: Vᵀ, K, Q and dO panels, dS [tq rounded up to mr, + 1 row of slack][ldS], then a work area
    private final ThreadLocal<float[][]> scratch = ThreadLocal.withInitial(() -> new float[6][0]);

    AttentionRowTilesBackward(Gemm gemm, Lanes lanes) {
        this.gemm = gemm;
        this.kernel = gemm.kernel();
        this.lanes = lanes;
        this.mr = kernel.mr();
        this.nr = kernel.nr();
    }

    boolean applies(AttentionSpec s) {
        return kernel.readsUnpacked() && s.tq() > 0 && s.tk() > 0 && s.tk() <= AttentionRowTiles.MAX_KEYS
                && s.headDim() % nr == 0;
    }

    /**
     * One (batch b, query head): probs [tq, tk] from po; dO rows from go (row stride qHeads·headDim); q rows from qo,
     * key and value rows from ko, vo (their specs' row strides). Adds into gq's rows of the head (from qo) and gk's and
     * gv's rows of its kv head (from ko, vo).
     */
    void head(AttentionSpec s, float[] q, int qo, float[] k, int ko, float[] v, int vo, float[] probs, int po,
              float[] gOut, int go, float[] gq, float[] gk, float[] gv) {
        int tq = s.tq(), tk = s.tk(), d = s.headDim(), gStride = s.qHeads() * d, dPanels = d / nr;
        int keyPanels = (tk + nr - 1) / nr, ldS = keyPanels * nr, qRows = (tq + mr - 1) / mr * mr;
        float[][] buffers = scratch.get();
        float[] vt = AttentionRowTiles.grown(buffers, 0, keyPanels * d * nr);
        float[] kp = AttentionRowTiles.grown(buffers, 1, tk * d);
        float[] qp = AttentionRowTiles.grown(buffers, 2, tq * d);
        float[] gp = AttentionRowTiles.grown(buffers, 3, tq * d);
        float[] ds = AttentionRowTiles.grown(buffers, 4, (qRows + 1) * ldS);
        int pad = 0, tile = pad + mr * Math.max(d, tq);     // work: mr padded rows (or a packed Aᵀ), then an mr × nr tile
        float[] w = AttentionRowTiles.grown(buffers, 5, tile + mr * nr);
        gemm.packPanels(vt, v, vo, s.vRowStride(), true, d, tk);      // Vᵀ [d, tk]
        gemm.packPanels(kp, k, ko, s.kRowStride(), false, tk, d);     // K [tk, d]
        gemm.packPanels(qp, q, qo, s.qRowStride(), false, tq, d);     // Q [tq, d]
        gemm.packPanels(gp, gOut, go, gStride, false, tq, d);         // dO [tq, d]
        Arrays.fill(ds, tq * ldS, (qRows + 1) * ldS, 0f);             // rows past tq: read by the last query tile's dQ
        for (int r0 = 0; r0 < tq; r0 += mr) {
            int m = Math.min(mr, tq - r0), end = s.endKey(r0 + m - 1), dsRow = r0 * ldS;
            if (end <= 0) {                                           // no row of the tile sees a key: dS is zero
                Arrays.fill(ds, dsRow, dsRow + m * ldS, 0f);
                continue;
            }
            int panels = (end + nr - 1) / nr, n = Math.min(tk, panels * nr);
            float[] a = gOut;
            int ao = go + r0 * gStride, lda = gStride;
            if (m < mr) {                                             // the kernel reads mr rows: pad the last tile
                AttentionRowTiles.padRows(gOut, ao, lda, m, mr, d, w, pad);
                a = w;
                ao = pad;
                lda = d;
            }
            // dP [mr, panels·nr] = dO rows [mr, d] · Vᵀ [d, panels·nr], into the tile's rows of dS
            for (int jp = 0; jp < panels; jp++)
                kernel.runUnpacked(false, d, a, ao, lda, vt, jp * d * nr, ds, dsRow + jp * nr, ldS, 1f, false);
            for (int i = 0; i < m; i++) {
                int r = dsRow + i * ldS, pr = po + (r0 + i) * tk;
                float rowDot = lanes.dot(ds, r, probs, pr, n);
                lanes.softmaxGradient(probs, pr, ds, r, n, rowDot, s.scale());
                Arrays.fill(ds, r + n, r + ldS, 0f);                  // keys past the tile's: read by dK below
            }
            // dQ rows [mr, d] += dS [mr, end] · K [end, d]
            for (int dp = 0; dp < dPanels; dp++) {
                int c = qo + r0 * s.qRowStride() + dp * nr;
                if (m == mr) {
                    kernel.runUnpacked(false, end, ds, dsRow, ldS, kp, dp * tk * nr, gq, c, s.qRowStride(), 1f, true);
                } else {
                    kernel.runUnpacked(false, end, ds, dsRow, ldS, kp, dp * tk * nr, w, tile, nr, 1f, false);
                    addRows(w, tile, m, gq, c, s.qRowStride());
                }
            }
        }
        int lag = tk - tq;                                            // query i is at key position i + lag
        for (int j0 = 0; j0 < tk; j0 += mr) {
            int m = Math.min(mr, tk - j0), i0 = s.causal() ? Math.max(0, j0 - lag) : 0, kc = tq - i0;
            if (kc <= 0) continue;                                    // no query sees these keys
            // dK rows [mr, d] += dSᵀ [mr, kc] · Q [kc, d];  dV rows [mr, d] += Pᵀ [mr, kc] · dO [kc, d]
            keyTile(m, kc, ds, i0 * ldS + j0, ldS, qp, i0, tq, gk, ko + j0 * s.kRowStride(), s.kRowStride(), dPanels, w, tile);
            keyTile(m, kc, probs, po + i0 * tk + j0, tk, gp, i0, tq, gv, vo + j0 * s.vRowStride(), s.vRowStride(), dPanels, w,
                    tile);
        }
    }

    // c rows [m, d] (row stride ldc, from co) += op(A)ᵀ [m, kc] · B [kc, d], A's tile stored [kc rows][m columns] from
    // ao with row stride lda; B packed as d/nr panels of [rows][nr], from row i0. A short last tile is packed (its
    // columns past m would read past the array's end), a full one is read in place.
    private void keyTile(int m, int kc, float[] a, int ao, int lda, float[] bp, int i0, int rows, float[] c, int co, int ldc,
                         int dPanels, float[] w, int tile) {
        if (m < mr) {
            for (int p = 0; p < kc; p++) {
                for (int r = 0; r < mr; r++) w[p * mr + r] = r < m ? a[ao + p * lda + r] : 0f;
            }
        }
        for (int dp = 0; dp < dPanels; dp++) {
            int bpo = dp * rows * nr + i0 * nr, cc = co + dp * nr;
            if (m == mr) {
                kernel.runUnpacked(true, kc, a, ao, lda, bp, bpo, c, cc, ldc, 1f, true);
            } else {
                kernel.run(kc, w, 0, bp, bpo, w, tile, nr, 1f, false);
                addRows(w, tile, m, c, cc, ldc);
            }
        }
    }

    // c's m rows of nr (row stride ldc, from co) += the tile's first m rows
    private void addRows(float[] w, int tile, int m, float[] c, int co, int ldc) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < nr; j++) c[co + i * ldc + j] += w[tile + i * nr + j];
        }
    }
}
