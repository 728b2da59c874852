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

    // four column vectors at a time, their sums in registers down the rows, then one at a time, then the tail columns
    static void normParamGrads(float[] x, float[] gy, float[] mean, float[] rstd, float[] gGamma, float[] gBeta,
                               int rows, int cols, int c0, int c1) {
        if (gBeta != null) addColumnSums(gy, rows, cols, gBeta, c0, c1);
        if (gGamma == null) return;
        int j = c0;
        for (; j + 4 * L <= c1; j += 4 * L) gammaColumns4(x, gy, mean, rstd, gGamma, rows, cols, j);
        for (; j + L <= c1; j += L) gammaColumns(x, gy, mean, rstd, gGamma, rows, cols, j);
        for (int r = 0; r < rows && j < c1; r++) {
            int o = r * cols;
            float mu = mean == null ? 0f : mean[r], rs = rstd[r];
            for (int c = j; c < c1; c++) gGamma[c] += gy[o + c] * ((x[o + c] - mu) * rs);
        }
    }

    /**
     * dst[j] += the column sums of src [rows, cols] over [c0, c1), row after row (a norm's beta, a bias's gradient):
     * four column vectors at a time, so each row gives four whole cache lines in a run and four sums add at once. One
     * vector at a time, one line per row, rows 2 or 4 KiB apart ran 2.5–3× slower (their lines share a few cache sets),
     * and row after row across the whole range, the sums in memory, was slower on narrow ranges (bench/JOURNAL.md,
     * twenty-third session). Each column adds its rows in row order either way: the same bits.
     */
    static void addColumnSums(float[] src, int rows, int cols, float[] dst, int c0, int c1) {
        int j = c0;
        for (; j + 4 * L <= c1; j += 4 * L) {
            FloatVector a0 = X.cast(FloatVector.fromArray(S, dst, j)), a1 = X.cast(FloatVector.fromArray(S, dst, j + L));
            FloatVector a2 = X.cast(FloatVector.fromArray(S, dst, j + 2 * L)), a3 = X.cast(FloatVector.fromArray(S, dst, j + 3 * L));
            for (int r = 0, o = j; r < rows; r++, o += cols) {
                a0 = X.cast(a0.add(X.cast(FloatVector.fromArray(S, src, o))));
                a1 = X.cast(a1.add(X.cast(FloatVector.fromArray(S, src, o + L))));
                a2 = X.cast(a2.add(X.cast(FloatVector.fromArray(S, src, o + 2 * L))));
                a3 = X.cast(a3.add(X.cast(FloatVector.fromArray(S, src, o + 3 * L))));
            }
            a0.intoArray(dst, j);
            a1.intoArray(dst, j + L);
            a2.intoArray(dst, j + 2 * L);
            a3.intoArray(dst, j + 3 * L);
        }
        for (; j + L <= c1; j += L) {
            FloatVector acc = X.cast(FloatVector.fromArray(S, dst, j));
            for (int r = 0, o = j; r < rows; r++, o += cols) acc = X.cast(acc.add(X.cast(FloatVector.fromArray(S, src, o))));
            acc.intoArray(dst, j);
        }
        for (int r = 0; r < rows && j < c1; r++) {
            int o = r * cols;
            for (int c = j; c < c1; c++) dst[c] += src[o + c];
        }
    }

    private static final Class<? extends FloatVector> X = ExactVector.CLASS;

    // gGamma[j, j + L) += Σ over rows of gy · ((x − mean) · rstd); each intermediate cast to its class (see ExactVector)
    private static void gammaColumns(float[] x, float[] gy, float[] mean, float[] rstd, float[] gGamma, int rows, int cols, int j) {
        FloatVector acc = X.cast(FloatVector.fromArray(S, gGamma, j));
        for (int r = 0, o = j; r < rows; r++, o += cols) acc = X.cast(acc.add(gammaTerm(x, gy, o, mean == null ? 0f : mean[r], rstd[r])));
        acc.intoArray(gGamma, j);
    }

    // gammaColumns over four vectors [j, j + 4L)
    private static void gammaColumns4(float[] x, float[] gy, float[] mean, float[] rstd, float[] gGamma, int rows, int cols, int j) {
        FloatVector a0 = X.cast(FloatVector.fromArray(S, gGamma, j)), a1 = X.cast(FloatVector.fromArray(S, gGamma, j + L));
        FloatVector a2 = X.cast(FloatVector.fromArray(S, gGamma, j + 2 * L)), a3 = X.cast(FloatVector.fromArray(S, gGamma, j + 3 * L));
        for (int r = 0, o = j; r < rows; r++, o += cols) {
            float mu = mean == null ? 0f : mean[r], rs = rstd[r];
            a0 = X.cast(a0.add(gammaTerm(x, gy, o, mu, rs)));
            a1 = X.cast(a1.add(gammaTerm(x, gy, o + L, mu, rs)));
            a2 = X.cast(a2.add(gammaTerm(x, gy, o + 2 * L, mu, rs)));
            a3 = X.cast(a3.add(gammaTerm(x, gy, o + 3 * L, mu, rs)));
        }
        a0.intoArray(gGamma, j);
        a1.intoArray(gGamma, j + L);
        a2.intoArray(gGamma, j + 2 * L);
        a3.intoArray(gGamma, j + 3 * L);
    }

    // gy · ((x − mu) · rs) at o
    private static FloatVector gammaTerm(float[] x, float[] gy, int o, float mu, float rs) {
        FloatVector xhat = X.cast(X.cast(X.cast(FloatVector.fromArray(S, x, o)).sub(mu)).mul(rs));
        return X.cast(X.cast(FloatVector.fromArray(S, gy, o)).mul(xhat));
    }
}
