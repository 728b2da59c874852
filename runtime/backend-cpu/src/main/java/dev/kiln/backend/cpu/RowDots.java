package dev.kiln.backend.cpu;

/**
 * A product of a few rows by a transposed B, C [m, n] = alpha · A [m, k] · Bᵀ with B stored [n, k], as m · n dot
 * products over B's rows where they lie: a linear layer or the LM head at decode time (one row per sequence), or a
 * query row against the cached keys ({@link #takes} says which). There the packed GEMM copied all of B into panels
 * for a single pass over it, so it moved B three times (read, write the panels, read them back) where this reads it
 * once, each B row against every row of A while it is in L1 ({@link Lanes#dots}). Each output is one
 * {@link Lanes#dot}, in the same order whatever the thread count or the rows beside it, so the same bits on any
 * number of threads.
 */
final class RowDots {
    /**
     * The most rows this takes. A decode step's products of GPT-2 124M (its 48 linear layers and the LM head; AMD
     * EPYC, 2 threads, alternating with the packed GEMM in one JVM), GEMM → this, ms: 1 row 93–96 → 9–11, 4 rows
     * 95 → 16.5–18.5, 8 rows 106–124 → 34, 16 rows 112–114 → 64–68, 32 rows 138–151 → 113–114 (the Zen 4 host). More
     * rows than 8 now run as {@link SwappedProduct}s, faster still (its figures, on the Zen 5 host).
     */
    static final int MAX_ROWS = 8;
    /**
     * Above FEW_ROWS rows, only a B of at least LARGE_B floats (1 MiB, a core's L2 here), which a decode step reads
     * from L3 or memory once. A small B that stays in cache is the GEMM's: attention's short blocks (16 × 80 × 32,
     * 32 × 128 × 64, one thread, repeated) ran 3–6× slower as dot products, since each output then ends a short run
     * of FMAs with a lane sum; at most 4 rows were within 7% of the GEMM or faster at every size tried.
     */
    static final int FEW_ROWS = 4;
    private static final int LARGE_B = 1 << 18;
    /** A thread's smallest claim of B rows, in floats of B (64 KiB): enough to stream, few enough to balance. */
    private static final int MIN_CHUNK_FLOATS = 16 * 1024;

    private final Lanes lanes;
    private final Parallel par;

    RowDots(Lanes lanes, Parallel par) {
        this.lanes = lanes;
        this.par = par;
    }

    /** Whether C [m, n] = A [m, k] · op(B) is one for {@link #run}: A as stored, B transposed, few rows, B read once. */
    static boolean takes(int m, int n, int k, boolean transA, boolean transB) {
        return !transA && transB && (m <= FEW_ROWS || m <= MAX_ROWS && isLarge(n, k));
    }

    /** Whether a B [n, k] is at least LARGE_B floats. */
    static boolean isLarge(int n, int k) { return (long) n * k >= LARGE_B; }

    /**
     * c[co + i·ldc + j] = alpha · Σ_p a[ao + i·lda + p] · b[bo + j·ldb + p] (+ the old c when accumulate, + bias[j]
     * when bias is not null) for i in [0, m), j in [0, n); parallel: split B's rows among the threads.
     */
    void run(boolean parallel, int m, int n, int k, float alpha, float[] a, int ao, int lda, float[] b, int bo, int ldb,
             float[] c, int co, int ldc, boolean accumulate, float[] bias) {
        Parallel.Range columns = (j0, j1) -> {
            float[] dots = new float[m];
            for (int j = j0; j < j1; j++) {
                lanes.dots(a, ao, lda, m, b, bo + j * ldb, k, dots);
                float start = bias == null ? 0f : bias[j];
                for (int i = 0; i < m; i++) {
                    int at = co + i * ldc + j;
                    float dot = alpha * dots[i];
                    c[at] = (accumulate ? c[at] + dot : dot) + start;
                }
            }
        };
        if (parallel) par.guided(n, Math.max(1, MIN_CHUNK_FLOATS / Math.max(k, 1)), columns);   // one chunk: runs here
        else columns.run(0, n);
    }
}
