package dev.kiln.backend.cpu;

/**
 * The register-tiled inner kernel of {@link Gemm}: C[mr × nr] (+)= alpha · Ap · Bp over kc, where
 * Ap holds kc columns of mr packed rows ([kc][mr]) and Bp kc rows of nr packed columns ([kc][nr]),
 * both zero-padded. Always a full tile: {@link Gemm} routes edge tiles through a scratch tile.
 */
interface MicroKernel {
    int mr();

    int nr();

    String description();

    // ap: [kc][mr] from apo; bp: [kc][nr] from bpo; c: [mr][nr] at co with row stride ldc
    void run(int kc, float[] ap, int apo, float[] bp, int bpo, float[] c, int co, int ldc, float alpha, boolean add);

    /** How {@link Gemm} packs the panels this kernel reads. */
    default Panels panels() { return new Panels(mr(), nr()); }

    /** Whether {@link #runUnpacked} reads A where it lies, so {@link Gemm} need not pack it. */
    default boolean readsUnpacked() { return false; }

    /**
     * {@link #run} with A read unpacked from a[ao...]: element (r, p) of the tile at a[ao + r·lda + p], or with
     * transA (A stored transposed) at a[ao + p·lda + r].
     */
    default void runUnpacked(boolean transA, int kc, float[] a, int ao, int lda, float[] bp, int bpo, float[] c, int co,
                             int ldc, float alpha, boolean add) {
        throw new UnsupportedOperationException(description() + " reads packed A only");
    }

    /**
     * {@link #run} for a fresh tile that starts from a bias: C[r, j] = alpha · (Ap·Bp)[r, j] + bias[bo + j], C written
     * once. This default copies the bias into the tile's rows and accumulates onto it.
     */
    default void runFromBias(int kc, float[] ap, int apo, float[] bp, int bpo, float[] c, int co, int ldc, float alpha,
                             float[] bias, int bo) {
        startFromBias(bias, bo, c, co, ldc);
        run(kc, ap, apo, bp, bpo, c, co, ldc, alpha, true);
    }

    /** {@link #runUnpacked} for a fresh tile that starts from a bias, as {@link #runFromBias}. */
    default void runUnpackedFromBias(boolean transA, int kc, float[] a, int ao, int lda, float[] bp, int bpo, float[] c,
                                     int co, int ldc, float alpha, float[] bias, int bo) {
        startFromBias(bias, bo, c, co, ldc);
        runUnpacked(transA, kc, a, ao, lda, bp, bpo, c, co, ldc, alpha, true);
    }

    // the tile's mr rows of C set to bias[bo, bo + nr), for the defaults to accumulate onto
    private void startFromBias(float[] bias, int bo, float[] c, int co, int ldc) {
        for (int r = 0; r < mr(); r++) System.arraycopy(bias, bo, c, co + r * ldc, nr());
    }

    /** Whether jdk.incubator.vector is in the boot layer (the JVM ran with --add-modules jdk.incubator.vector). */
    boolean VECTOR_API = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();

    /** The fastest kernel this JVM can run. The Vector API classes are loaded only when available. */
    static MicroKernel best() {
        return VECTOR_API ? VectorMicroKernel.create() : new ScalarMicroKernel();
    }
}
