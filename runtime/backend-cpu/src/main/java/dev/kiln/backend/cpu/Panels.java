package dev.kiln.backend.cpu;

/**
 * How {@link Gemm} lays its operands out for the micro-kernel: op(A) in mr-tall panels [kc][mr], op(B) in nr-wide
 * panels [kc][nr], zero past the matrix's edge. A transpose only changes how a panel is read. A kernel may lay them
 * out faster ({@link MicroKernel#panels}); these scalar loops are the oracle its tests compare with.
 */
class Panels {
    private final int mr;
    final int nr;

    Panels(int mr, int nr) {
        this.mr = mr;
        this.nr = nr;
    }

    // one whole panel of op(B) = Bᵀ: bp[base + p·nr + j] = b[src + j·ldb + p]. 8 of op(B)'s rows at a time, each
    // column's 8 values read in one run: 1.6× faster than a column's whole kc run per pass (GPT-2's weights, AMD
    // EPYC), whose stores each land nr floats apart
    private void packTransposedPanel(float[] bp, int base, float[] b, int src, int ldb, int kc) {
        int p = 0;
        for (; p + 8 <= kc; p += 8) {
            for (int j = 0; j < nr; j++) {
                int s = src + j * ldb + p, d = base + p * nr + j;
                bp[d] = b[s];
                bp[d + nr] = b[s + 1];
                bp[d + 2 * nr] = b[s + 2];
                bp[d + 3 * nr] = b[s + 3];
                bp[d + 4 * nr] = b[s + 4];
                bp[d + 5 * nr] = b[s + 5];
                bp[d + 6 * nr] = b[s + 6];
                bp[d + 7 * nr] = b[s + 7];
            }
        }
        for (; p < kc; p++) for (int j = 0; j < nr; j++) bp[base + p * nr + j] = b[src + j * ldb + p];
    }

    // ap: ceil(mcur/mr) panels of [kc][mr]: ap[ir*kc + p*mr + r] = op(A)[i0 + ir + r, pc + p]
    void packA(float[] ap, float[] a, int ao, int lda, boolean transA, int i0, int mcur, int pc, int kc) {
        for (int ir = 0; ir < mcur; ir += mr) {
            int rows = Math.min(mr, mcur - ir), base = ir * kc;
            if (transA && rows == mr && mr == 6) {
                int s0 = ao + pc * lda + i0 + ir;
                for (int p = 0; p < kc; p++) {
                    int src = s0 + p * lda, dst = base + p * 6;
                    ap[dst] = a[src];
                    ap[dst + 1] = a[src + 1];
                    ap[dst + 2] = a[src + 2];
                    ap[dst + 3] = a[src + 3];
                    ap[dst + 4] = a[src + 4];
                    ap[dst + 5] = a[src + 5];
                }
            } else if (transA) {
                for (int p = 0; p < kc; p++) {
                    int src = ao + (pc + p) * lda + i0 + ir, dst = base + p * mr;
                    for (int r = 0; r < rows; r++) ap[dst + r] = a[src + r];
                    for (int r = rows; r < mr; r++) ap[dst + r] = 0f;
                }
            } else if (rows == mr && mr == 6) {
                // six row streams, sequential stores
                int s0 = ao + (i0 + ir) * lda + pc, s1 = s0 + lda, s2 = s1 + lda, s3 = s2 + lda, s4 = s3 + lda, s5 = s4 + lda;
                for (int p = 0; p < kc; p++) {
                    int dst = base + p * 6;
                    ap[dst] = a[s0 + p];
                    ap[dst + 1] = a[s1 + p];
                    ap[dst + 2] = a[s2 + p];
                    ap[dst + 3] = a[s3 + p];
                    ap[dst + 4] = a[s4 + p];
                    ap[dst + 5] = a[s5 + p];
                }
            } else {
                for (int r = 0; r < mr; r++) {
                    if (r >= rows) {
                        for (int p = 0; p < kc; p++) ap[base + p * mr + r] = 0f;
                        continue;
                    }
                    int src = ao + (i0 + ir + r) * lda + pc;
                    for (int p = 0; p < kc; p++) ap[base + p * mr + r] = a[src + p];
                }
            }
        }
    }

    // bp: panels [p0, p1) of [kc][nr]: bp[q*kc*nr + p*nr + j] = op(B)[pc + p, jc + q*nr + j]
    void packB(float[] bp, float[] b, int bo, int ldb, boolean transB, int pc, int kc, int jc, int n,
                       int p0, int p1) {
        for (int q = p0; q < p1; q++) {
            int j0 = jc + q * nr, cols = Math.min(nr, n - j0), base = q * kc * nr;
            if (transB && cols == nr) {
                packTransposedPanel(bp, base, b, bo + j0 * ldb + pc, ldb, kc);
            } else if (transB) {
                for (int j = 0; j < nr; j++) {
                    if (j >= cols) {
                        for (int p = 0; p < kc; p++) bp[base + p * nr + j] = 0f;
                        continue;
                    }
                    int src = bo + (j0 + j) * ldb + pc;
                    for (int p = 0; p < kc; p++) bp[base + p * nr + j] = b[src + p];
                }
            } else if (cols == nr) {
                packRowsPanel(bp, base, b, bo + pc * ldb + j0, ldb, kc);
            } else {
                for (int p = 0; p < kc; p++) {
                    int src = bo + (pc + p) * ldb + j0, dst = base + p * nr;
                    System.arraycopy(b, src, bp, dst, cols);
                    for (int j = cols; j < nr; j++) bp[dst + j] = 0f;
                }
            }
        }
    }

    // one whole panel of op(B) = B: bp[base + p·nr + j] = b[src + p·ldb + j], kc runs of nr floats
    void packRowsPanel(float[] bp, int base, float[] b, int src, int ldb, int kc) {
        for (int p = 0; p < kc; p++) System.arraycopy(b, src + p * ldb, bp, base + p * nr, nr);
    }
}
