package dev.kiln.backend.cpu;

/**
 * A product of a few dozen rows by a large transposed B, C [m, n] = alpha · A [m, k] · Bᵀ with B stored [n, k], run as
 * its transpose Cᵀ [n, m] = B · Aᵀ: a prompt of up to a hundred or so tokens through a linear layer or the LM head. B's
 * rows (a weight's output rows) become the micro-kernel's rows, read where they lie, and A's rows its columns, packed
 * (a few KiB a slice); so B, most of the traffic, is read once and never copied. The packed GEMM first copies all of B
 * into panels, transposing it; dot products ({@link RowDots}) read each B row from cache once per four rows of A and
 * end every output with a lane sum. GPT-2 124M's 48 linear layers and LM head, medians of 5 in each of 3 JVMs a build,
 * alternating (AMD EPYC Zen 5, 2 threads), dots or GEMM → this, ms: 12 rows 54–62 → 37–43, 16 rows 75–78 → 37–43, 24 rows
 * 96–106 → 35–38, 32 rows 120–138 → 33–38, 48 rows 90–112 → 60–103, 64 rows 105–115 → 56–73; in 2 + 2 more,
 * 96 rows 117–199 → 84–130, 128 rows 149–239 → 133–157, 192 rows 160–273 → 188–217 (bench/JOURNAL.md, seventeenth
 * session). 8 rows were level with the dots. Inside a {@code Backend.weightsFixed} scope a weight's kept panels are
 * faster still (16 rows 25–32 ms).
 *
 * <p>Each output is the micro-kernel's sum over K for that (row, column), whatever the rows beside it or the thread
 * count, so the same bits on any number of threads; not the bits of {@link RowDots}.
 */
final class SwappedProduct {
    /** Fewer rows run as dot products ({@link RowDots#MAX_ROWS}): there the two were level. */
    static final int MIN_ROWS = RowDots.MAX_ROWS + 1;
    /** More rows run in the packed GEMM, whose packing of B they repay: at 192 rows the two were level. */
    static final int MAX_ROWS = 128;
    /** B rows a task multiplies at a time: its slice of Cᵀ (≤ 192 × 128 floats) stays in L2 until copied out. */
    private static final int CHUNK_ROWS = 192;

    private final Gemm gemm;
    private final Parallel par;
    private final ThreadLocal<float[]> slice = ThreadLocal.withInitial(() -> new float[CHUNK_ROWS * MAX_ROWS]);

    SwappedProduct(Gemm gemm, Parallel par) {
        this.gemm = gemm;
        this.par = par;
    }

    /** Whether C [m, n] = A [m, k] · op(B) is one for {@link #run}: A as stored, B transposed and large, MIN_ROWS to MAX_ROWS rows. */
    static boolean takes(int m, int n, int k, boolean transA, boolean transB) {
        return !transA && transB && m >= MIN_ROWS && m <= MAX_ROWS && RowDots.isLarge(n, k);
    }

    /**
     * c[co + i·ldc + j] = alpha · Σ_p a[ao + i·lda + p] · b[bo + j·ldb + p] (+ the old c when accumulate, + bias[j]
     * when bias is not null) for i in [0, m), j in [0, n); parallel: B's rows in chunks among the threads.
     */
    void run(boolean parallel, int m, int n, int k, float alpha, float[] a, int ao, int lda, float[] b, int bo, int ldb,
             float[] c, int co, int ldc, boolean accumulate, float[] bias) {
        Parallel.Range rows = (j0, j1) -> {
            float[] t = slice.get();
            for (int s = j0; s < j1; s += CHUNK_ROWS) {
                int count = Math.min(CHUNK_ROWS, j1 - s);
                // t [count, m] = alpha · B[s, s + count) · Aᵀ
                gemm.runPacked(count, m, k, alpha, b, bo + s * ldb, ldb, false, a, ao, lda, true, t, 0, m);
                for (int i = 0; i < m; i++) {
                    int ci = co + i * ldc + s;
                    for (int r = 0; r < count; r++) {
                        float v = t[r * m + i];
                        c[ci + r] = (accumulate ? c[ci + r] + v : v) + (bias == null ? 0f : bias[s + r]);
                    }
                }
            }
        };
        if (parallel) par.guided(n, CHUNK_ROWS, rows);
        else rows.run(0, n);
    }
}
