package dev.kiln.backend.cpu;

/**
 * A product of a few rows by a transposed B, C [m, n] = alpha · A [m, k] · Bᵀ with B stored [n, k], as m · n dot
 * products over B's rows where they lie: a linear layer or the LM head at decode time (one row per sequence, or a
 * query row against the cached keys). There the packed GEMM copied all of B into panels for a single pass over it,
 * so it moved B three times (read, write the panels, read them back) where this reads it once: a product with few
 * rows is bound by reading B. Each output is one {@link Lanes#dot}, in the same order whatever the thread count,
 * so the same bits on any number of threads.
 */
final class RowDots {
    /** The most rows this takes; above it the packed GEMM, which reuses each B panel across rows, is faster. */
    static final int MAX_ROWS = 8;
    /** A thread's smallest claim of B rows, in floats of B (64 KiB): enough to stream, few enough to balance. */
    private static final int MIN_CHUNK_FLOATS = 16 * 1024;

    private final Lanes lanes;
    private final Parallel par;

    RowDots(Lanes lanes, Parallel par) {
        this.lanes = lanes;
        this.par = par;
    }

    /** Whether a product of this form is one for {@link #run}. */
    static boolean takes(int m, boolean transA, boolean transB) {
        return m <= MAX_ROWS && !transA && transB;
    }

    /**
     * c[co + i·ldc + j] = alpha · Σ_p a[ao + i·lda + p] · b[bo + j·ldb + p] (+ the old c when accumulate, + bias[j]
     * when bias is not null) for i in [0, m), j in [0, n); parallel: split B's rows among the threads.
     */
    void run(boolean parallel, int m, int n, int k, float alpha, float[] a, int ao, int lda, float[] b, int bo, int ldb,
             float[] c, int co, int ldc, boolean accumulate, float[] bias) {
        Parallel.Range columns = (j0, j1) -> {
            for (int j = j0; j < j1; j++) {
                int row = bo + j * ldb;
                float start = bias == null ? 0f : bias[j];
                for (int i = 0; i < m; i++) {
                    int at = co + i * ldc + j;
                    float dot = alpha * lanes.dot(a, ao + i * lda, b, row, k);
                    c[at] = (accumulate ? c[at] + dot : dot) + start;
                }
            }
        };
        int minChunk = Math.max(1, MIN_CHUNK_FLOATS / Math.max(k, 1));
        if (parallel && par.threads() > 1 && n > minChunk) par.guided(n, minChunk, columns);
        else columns.run(0, n);
    }
}
