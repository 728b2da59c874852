package dev.kiln.backend.cpu;

/**
 * LayerNorm and RMSNorm, forward and backward. Rows run in parallel; the parameter gradients
 * (sums over rows) run in a second pass parallel over column ranges, so no two threads share a sum.
 */
final class NormKernels {
    private final Parallel par;
    private final Lanes lanes;
    private final ThreadLocal<float[][]> scratch = ThreadLocal.withInitial(() -> new float[2][0]);

    NormKernels(Parallel par, Lanes lanes) {
        this.par = par;
        this.lanes = lanes;
    }

    private static int grain(int cols) { return Math.max(1, 8192 / Math.max(cols, 1)); }

    private float[][] rows(int cols) {
        float[][] s = scratch.get();
        if (s[0].length < cols) s[0] = s[1] = null;
        if (s[0] == null) {
            s[0] = new float[cols];
            s[1] = new float[cols];
        }
        return s;
    }

    // x, y: [rows, cols]; gamma, beta: [cols] (beta may be null); mean, rstd: [rows]
    void layerNorm(float[] x, float[] gamma, float[] beta, float[] y, float[] mean, float[] rstd,
                   int rows, int cols, float eps) {
        par.range(rows, grain(cols), (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int o = r * cols;
                float mu = lanes.sum(x, o, cols) / cols;
                float rs = (float) (1.0 / Math.sqrt(lanes.sumSquares(x, o, cols, mu) / cols + (double) eps));
                lanes.normalizeRow(x, o, mu, rs, gamma, beta, y, o, cols);
                mean[r] = mu;
                rstd[r] = rs;
            }
        });
    }

    // x, gy, gx: [rows, cols]; gamma, gGamma, gBeta: [cols]; mean, rstd: [rows]
    void layerNormBackward(float[] x, float[] gamma, float[] mean, float[] rstd, float[] gy,
                           float[] gx, float[] gGamma, float[] gBeta, int rows, int cols) {
        par.range(rows, grain(cols), (r0, r1) -> {
            float[][] s = rows(cols);
            float[] dxhat = s[0], xhat = s[1];
            for (int r = r0; r < r1; r++) {
                int o = r * cols;
                float mu = mean[r], rs = rstd[r];
                lanes.normBackwardInputs(x, gy, o, mu, rs, gamma, dxhat, xhat, cols);
                float mDy = lanes.sum(dxhat, 0, cols) / cols, mDyXhat = lanes.dot(dxhat, 0, xhat, 0, cols) / cols;
                lanes.normBackwardRow(dxhat, xhat, mDy, mDyXhat, rs, gx, o, cols);
            }
        });
        if (gGamma == null && gBeta == null) return;
        par.range(cols, 64, (c0, c1) -> lanes.normParamGrads(x, gy, mean, rstd, gGamma, gBeta, rows, cols, c0, c1));
    }

    // x, y: [rows, cols]; gamma: [cols]; rstd: [rows]
    void rmsNorm(float[] x, float[] gamma, float[] y, float[] rstd, int rows, int cols, float eps) {
        par.range(rows, grain(cols), (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int o = r * cols;
                float rs = (float) (1.0 / Math.sqrt(lanes.sumSquares(x, o, cols, 0f) / cols + (double) eps));
                for (int j = 0; j < cols; j++) y[o + j] = x[o + j] * rs * gamma[j];
                rstd[r] = rs;
            }
        });
    }

    // x, gy, gx: [rows, cols]; gamma, gGamma: [cols]; rstd: [rows]
    void rmsNormBackward(float[] x, float[] gamma, float[] rstd, float[] gy, float[] gx, float[] gGamma,
                         int rows, int cols) {
        par.range(rows, grain(cols), (r0, r1) -> {
            float[] dxhat = rows(cols)[0];
            for (int r = r0; r < r1; r++) {
                int o = r * cols;
                float rs = rstd[r];
                for (int j = 0; j < cols; j++) dxhat[j] = gy[o + j] * gamma[j];
                float mDyXhat = lanes.dot(dxhat, 0, x, o, cols) * rs / cols;
                for (int j = 0; j < cols; j++) gx[o + j] += rs * (dxhat[j] - x[o + j] * rs * mDyXhat);
            }
        });
        if (gGamma == null) return;
        par.range(cols, 64, (c0, c1) -> lanes.normParamGrads(x, gy, null, rstd, gGamma, null, rows, cols, c0, c1));
    }
}
