package dev.kiln.backend.cpu;

/**
 * Reductions, exponentials, activation gradients, softmax and norm rows and the AdamW update over float runs, in
 * SIMD lanes where the Vector API is present. Reductions C2 cannot auto-vectorize (float order), and loops it left
 * scalar (a store and loads at unlike offsets of float arrays that may alias), get an explicit lane-parallel form.
 * The defaults here are the scalar forms; for the element-wise loops (scale, softmax gradient, norm rows, column
 * sums) the vector forms do the same operations in the same order, so the same bits.
 */
interface Lanes {
    // a[ao, ao+n) · b[bo, bo+n)
    float dot(float[] a, int ao, float[] b, int bo, int n);

    /** out[r] = {@link #dot}(a, ao + r·lda, b, bo, n) for r in [0, rows): the same bits, whatever rows is. */
    default void dots(float[] a, int ao, int lda, int rows, float[] b, int bo, int n, float[] out) {
        for (int r = 0; r < rows; r++) out[r] = dot(a, ao + r * lda, b, bo, n);
    }

    // Σ a[o, o+n)
    float sum(float[] a, int o, int n);

    // max a[o, o+n); −∞ when n == 0
    float max(float[] a, int o, int n);

    // Σ (a[i] − shift)² over [o, o+n)
    float sumSquares(float[] a, int o, int n, float shift);

    // a[o, o+n) *= factor
    default void scale(float[] a, int o, int n, float factor) {
        for (int i = o; i < o + n; i++) a[i] *= factor;
    }

    /**
     * g[go+j] = p[po+j] · (g[go+j] − rowDot) · scale over [0, n): a softmax row's gradient from the gradient of its
     * probabilities p (rowDot = Σ g·p); p and g may be the same array.
     */
    default void softmaxGradient(float[] p, int po, float[] g, int go, int n, float rowDot, float scale) {
        for (int j = 0; j < n; j++) g[go + j] = p[po + j] * (g[go + j] - rowDot) * scale;
    }

    /** dst[j] += Σ over rows r, in row order, of src[r·cols + j], for j in [c0, c1): column sums (bias gradients). */
    default void addColumnSums(float[] src, int rows, int cols, float[] dst, int c0, int c1) {
        for (int r = 0; r < rows; r++) {
            int o = r * cols;
            for (int j = c0; j < c1; j++) dst[j] += src[o + j];
        }
    }

    // ---- normalization rows (LayerNorm; RMSNorm passes mean 0, and (x − 0)·rs is x·rs bit for bit) ----

    /** y[yo+j] = (x[xo+j] − mu) · rs · gamma[j] (+ beta[j] unless beta is null) over [0, n). */
    default void normalizeRow(float[] x, int xo, float mu, float rs, float[] gamma, float[] beta, float[] y, int yo, int n) {
        if (beta == null) for (int j = 0; j < n; j++) y[yo + j] = (x[xo + j] - mu) * rs * gamma[j];
        else for (int j = 0; j < n; j++) y[yo + j] = (x[xo + j] - mu) * rs * gamma[j] + beta[j];
    }

    /** dxhat[j] = gy[o+j] · gamma[j] and xhat[j] = (x[o+j] − mu) · rs over [0, n). */
    default void normBackwardInputs(float[] x, float[] gy, int o, float mu, float rs, float[] gamma, float[] dxhat, float[] xhat, int n) {
        for (int j = 0; j < n; j++) {
            dxhat[j] = gy[o + j] * gamma[j];
            xhat[j] = (x[o + j] - mu) * rs;
        }
    }

    /** gx[o+j] += rs · (dxhat[j] − mDy − xhat[j] · mDyXhat) over [0, n): LayerNorm's input gradient of one row. */
    default void normBackwardRow(float[] dxhat, float[] xhat, float mDy, float mDyXhat, float rs, float[] gx, int o, int n) {
        for (int j = 0; j < n; j++) gx[o + j] += rs * (dxhat[j] - mDy - xhat[j] * mDyXhat);
    }

    /**
     * The parameter gradients of a norm over columns [c0, c1) of [rows, cols]: gGamma[j] += gy[r, j] · ((x[r, j] −
     * mean[r]) · rstd[r]) and gBeta[j] += gy[r, j], row after row (mean null: 0; gGamma or gBeta null: skipped).
     */
    default void normParamGrads(float[] x, float[] gy, float[] mean, float[] rstd, float[] gGamma, float[] gBeta,
                                int rows, int cols, int c0, int c1) {
        for (int r = 0; r < rows; r++) {
            int o = r * cols;
            float mu = mean == null ? 0f : mean[r], rs = rstd[r];
            if (gGamma != null) for (int j = c0; j < c1; j++) gGamma[j] += gy[o + j] * ((x[o + j] - mu) * rs);
        }
        if (gBeta != null) addColumnSums(gy, rows, cols, gBeta, c0, c1);
    }

    /** Runs whose length is a multiple of this take no scalar tail: the vector length, 1 for the scalar lanes. */
    default int width() { return 1; }

    // p, g, m, v: [from, to); bc1 = 1 − β1^t, bc2 = 1 − β2^t
    void adamw(float[] p, float[] g, float[] m, float[] v, int from, int to, float lr, float beta1, float beta2,
               float eps, float wd, float bc1, float bc2);

    /** y[yo+j] = exp(x[xo+j] − shift) for j in [0, n) (y may be x); returns Σ of those values. */
    default float expShift(float[] x, int xo, float[] y, int yo, int n, float shift) {
        double sum = 0;
        for (int j = 0; j < n; j++) {
            float e = (float) Math.exp(x[xo + j] - shift);
            y[yo + j] = e;
            sum += e;
        }
        return (float) sum;
    }

    /** Σ exp(x[o+j] − shift) over [0, n), nothing stored. */
    default float expShiftSum(float[] x, int o, int n, float shift) {
        double sum = 0;
        for (int j = o; j < o + n; j++) sum += (float) Math.exp(x[j] - shift);
        return (float) sum;
    }

    /**
     * g[o+j] (+)= alpha · (exp(x[o+j] − shift) − sub) over [0, n): added into g when add, else written (g's old values
     * not read). The gradient of a log-softmax based loss: x log-probabilities with shift 0, or logits with shift
     * their logsumexp.
     */
    default void expScaled(float[] x, float[] g, int o, int n, float shift, float alpha, float sub, boolean add) {
        for (int j = o; j < o + n; j++) {
            float v = alpha * ((float) Math.exp(x[j] - shift) - sub);
            g[j] = add ? g[j] + v : v;
        }
    }

    /** y[i] = op(x[i]) over [from, to) for the transcendental activations; false when this op has no lane form. */
    default boolean unary(dev.kiln.api.backend.UnaryOp op, float[] x, float[] y, int from, int to) { return false; }

    /** gx[i] += gy[i] · op'(x[i]) over [from, to); false when this op has no lane form. */
    default boolean unaryBackward(dev.kiln.api.backend.UnaryOp op, float[] x, float[] y, float[] gy, float[] gx,
                                  int from, int to) { return false; }

    /** gx[i] = gy[i] · op'(x[i]) over [from, to), gx may be gy; false when this op has no lane form. */
    default boolean unaryGradient(dev.kiln.api.backend.UnaryOp op, float[] x, float[] y, float[] gy, float[] gx,
                                  int from, int to) { return false; }

    /**
     * The vector lanes on x86-64 (measured on AVX-512); elsewhere the scalar lanes, until the vector
     * ones are measured there.
     */
    static Lanes best() {
        String arch = System.getProperty("os.arch", "");
        boolean x86 = arch.equals("amd64") || arch.equals("x86_64");
        return MicroKernel.VECTOR_API && x86 ? VectorLanes.create() : new ScalarLanes();
    }
}
