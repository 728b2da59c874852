package dev.kiln.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The normalization rows and column sums of {@link Lanes} in vector lanes, each the scalar loop's operations in its order (so the
 * same bits). C2 did not vectorise those loops on JDK 17: their float arrays may alias (dxhat and gy, gGamma and gy),
 * and LayerNorm's parameter-gradient pass alone was 55% of its backward at 1024 × 128.
 */
final class VectorNormRows {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    private VectorNormRows() {}

    static void normalizeRow(float[] x, int xo, float mu, float rs, float[] gamma, float[] beta, float[] y, int yo, int n) {
        int j = 0;
        if (beta == null) {
            for (; j + L <= n; j += L)
                FloatVector.fromArray(S, x, xo + j).sub(mu).mul(rs).mul(FloatVector.fromArray(S, gamma, j)).intoArray(y, yo + j);
            for (; j < n; j++) y[yo + j] = (x[xo + j] - mu) * rs * gamma[j];
        } else {
            for (; j + L <= n; j += L)
                FloatVector.fromArray(S, x, xo + j).sub(mu).mul(rs).mul(FloatVector.fromArray(S, gamma, j))
                        .add(FloatVector.fromArray(S, beta, j)).intoArray(y, yo + j);
            for (; j < n; j++) y[yo + j] = (x[xo + j] - mu) * rs * gamma[j] + beta[j];
        }
    }

    static void normBackwardInputs(float[] x, float[] gy, int o, float mu, float rs, float[] gamma, float[] dxhat, float[] xhat, int n) {
        int j = 0;
        for (; j + L <= n; j += L) {
            FloatVector.fromArray(S, gy, o + j).mul(FloatVector.fromArray(S, gamma, j)).intoArray(dxhat, j);
            FloatVector.fromArray(S, x, o + j).sub(mu).mul(rs).intoArray(xhat, j);
        }
        for (; j < n; j++) {
            dxhat[j] = gy[o + j] * gamma[j];
            xhat[j] = (x[o + j] - mu) * rs;
        }
    }

    static void normBackwardRow(float[] dxhat, float[] xhat, float mDy, float mDyXhat, float rs, float[] gx, int o, int n) {
        int j = 0;
        for (; j + L <= n; j += L) {
            FloatVector t = FloatVector.fromArray(S, dxhat, j).sub(mDy).sub(FloatVector.fromArray(S, xhat, j).mul(mDyXhat)).mul(rs);
            FloatVector.fromArray(S, gx, o + j).add(t).intoArray(gx, o + j);
        }
        for (; j < n; j++) gx[o + j] += rs * (dxhat[j] - mDy - xhat[j] * mDyXhat);
    }

    // a column vector [j, j + L) of the sum stays in registers over all rows; the tail columns go row by row
    static void normParamGrads(float[] x, float[] gy, float[] mean, float[] rstd, float[] gGamma, float[] gBeta,
                               int rows, int cols, int c0, int c1) {
        if (gBeta != null) addColumnSums(gy, rows, cols, gBeta, c0, c1);
        if (gGamma == null) return;
        int j = c0;
        for (; j + L <= c1; j += L) gammaColumns(x, gy, mean, rstd, gGamma, rows, cols, j);
        for (int r = 0; r < rows && j < c1; r++) {
            int o = r * cols;
            float mu = mean == null ? 0f : mean[r], rs = rstd[r];
            for (int c = j; c < c1; c++) gGamma[c] += gy[o + c] * ((x[o + c] - mu) * rs);
        }
    }

    // dst[j] += the column sums of src [rows, cols] over [c0, c1), row after row (a norm's beta, a bias's gradient)
    static void addColumnSums(float[] src, int rows, int cols, float[] dst, int c0, int c1) {
        int j = c0;
        for (; j + L <= c1; j += L) {
            FloatVector acc = FloatVector.fromArray(S, dst, j);
            for (int r = 0, o = j; r < rows; r++, o += cols) acc = ExactVector.CLASS.cast(acc).add(FloatVector.fromArray(S, src, o));
            ExactVector.CLASS.cast(acc).intoArray(dst, j);
        }
        for (int r = 0; r < rows && j < c1; r++) {
            int o = r * cols;
            for (int c = j; c < c1; c++) dst[c] += src[o + c];
        }
    }

    private static final Class<? extends FloatVector> X = ExactVector.CLASS;

    private static void gammaColumns(float[] x, float[] gy, float[] mean, float[] rstd, float[] gGamma, int rows, int cols, int j) {
        FloatVector acc = FloatVector.fromArray(S, gGamma, j);
        for (int r = 0, o = j; r < rows; r++, o += cols) {
            float mu = mean == null ? 0f : mean[r];
            // each intermediate cast to its class (see ExactVector)
            FloatVector xhat = X.cast(X.cast(X.cast(FloatVector.fromArray(S, x, o)).sub(mu)).mul(rstd[r]));
            acc = X.cast(acc).add(X.cast(X.cast(FloatVector.fromArray(S, gy, o)).mul(xhat)));
        }
        X.cast(acc).intoArray(gGamma, j);
    }

}
