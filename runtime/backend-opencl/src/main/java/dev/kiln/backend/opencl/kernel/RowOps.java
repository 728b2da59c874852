package dev.kiln.backend.opencl.kernel;

/**
 * Row kernels: one work item per row (i0 rows) of a [rows, cols] matrix, looping over the columns.
 * Norm parameter gradients sum over rows, so they run column-wise (one item per column) in a second op.
 *
 * <p>Why not a work-group per row with a local-memory tree reduction: that version wrote past the row
 * on pocl 3.1 — the column loop after the second barrier ran
 * for every work item — although the generated OpenCL was correct and the same pattern in a small
 * kernel was fine. Until that is understood the rows are serial per item: correct everywhere, and
 * on a CPU device no slower; {@link #ROW_GROUP} remains the group size of the sum-of-squares reduction.
 */
public abstract class RowOps extends MatmulOps {
    public static final int ROW_GROUP = 128;

    // SOFTMAX: y o1 [rows, i1] = softmax (log-softmax when i2) of x o0, row = group id
    protected void softmax() {
        int r = getGlobalId(0), o = r * i1;
        if (r >= i0) return;
        float mx = negInf;
        for (int j = 0; j < i1; j++) mx = max(mx, ld(o0 + o + j));
        mx = mx;
        float s = 0f;
        for (int j = 0; j < i1; j++) s += exp(ld(o0 + o + j) - mx);
        s = s;
        float logSum = log(s);
        for (int j = 0; j < i1; j++) {
            float x = ld(o0 + o + j);
            if (i2 != 0) st(o1 + o + j, x - mx - logSum);
            else st(o1 + o + j, exp(x - mx) / s);
        }
    }

    // SOFTMAX_BACKWARD: gx o2 [rows, i1] += softmax' (log when i2) from y o0 and gy o1
    protected void softmaxBackward() {
        int r = getGlobalId(0), o = r * i1;
        if (r >= i0) return;
        float s = 0f;
        for (int j = 0; j < i1; j++) {
            if (i2 != 0) s += ld(o1 + o + j);
            else s += ld(o1 + o + j) * ld(o0 + o + j);
        }
        s = s;
        for (int j = 0; j < i1; j++) {
            float y = ld(o0 + o + j), gy = ld(o1 + o + j);
            float g = 0f;
            if (i2 != 0) g = gy - exp(y) * s;
            else g = y * (gy - s);
            st(o2 + o + j, ld(o2 + o + j) + g);
        }
    }

    // LAYER_NORM: y o3 [rows, i1] = (x o0 − mean)·rstd·gamma o1 (+ beta o2 when i2); mean o4, rstd o5 [rows]; eps f0
    protected void layerNorm() {
        int r = getGlobalId(0), o = r * i1;
        if (r >= i0) return;
        float s = 0f;
        for (int j = 0; j < i1; j++) s += ld(o0 + o + j);
        float mu = s / i1;
        float v = 0f;
        for (int j = 0; j < i1; j++) {
            float d = ld(o0 + o + j) - mu;
            v += d * d;
        }
        float rs = 1f / sqrt(v / i1 + f0);
        for (int j = 0; j < i1; j++) {
            float y = (ld(o0 + o + j) - mu) * rs * ld(o1 + j);
            if (i2 != 0) y += ld(o2 + j);
            st(o3 + o + j, y);
        }
        {
            st(o4 + r, mu);
            st(o5 + r, rs);
        }
    }

    // LAYER_NORM_BACKWARD: gx o5 [rows, i1] += rstd·(dxhat − mean(dxhat) − xhat·mean(dxhat·xhat));
    // x o0, gamma o1, mean o2, rstd o3, gy o4
    protected void layerNormBackward() {
        int r = getGlobalId(0), o = r * i1;
        if (r >= i0) return;
        float mu = ld(o2 + r), rs = ld(o3 + r);
        float a = 0f, b = 0f;
        for (int j = 0; j < i1; j++) {
            float xhat = (ld(o0 + o + j) - mu) * rs, dxhat = ld(o4 + o + j) * ld(o1 + j);
            a += dxhat;
            b += dxhat * xhat;
        }
        float mDy = a / i1;
        float mDyXhat = b / i1;
        for (int j = 0; j < i1; j++) {
            float xhat = (ld(o0 + o + j) - mu) * rs, dxhat = ld(o4 + o + j) * ld(o1 + j);
            st(o5 + o + j, ld(o5 + o + j) + rs * (dxhat - mDy - xhat * mDyXhat));
        }
    }

    // NORM_PARAM_GRADS (one item per column j < i1, rows i0): xhat = (x o0 − mean o2)·rstd o3, or x·rstd when i3 (RMS);
    // gGamma o5 [i1] += Σ gy o4 · xhat when i4; gBeta o6 += Σ gy when i5
    protected void normParamGrads(int j) {
        if (j < i1) {
            float gg = 0f, gb = 0f;
            for (int r = 0; r < i0; r++) {
                float x = ld(o0 + r * i1 + j), gy = ld(o4 + r * i1 + j);
                float xhat = 0f;
                if (i3 != 0) xhat = x * ld(o3 + r);
                else xhat = (x - ld(o2 + r)) * ld(o3 + r);
                gg += gy * xhat;
                gb += gy;
            }
            if (i4 != 0) st(o5 + j, ld(o5 + j) + gg);
            if (i5 != 0) st(o6 + j, ld(o6 + j) + gb);
        }
    }

    // RMS_NORM: y o2 [rows, i1] = x o0 · rstd · gamma o1; rstd o3 [rows] = 1/sqrt(mean(x²) + f0)
    protected void rmsNorm() {
        int r = getGlobalId(0), o = r * i1;
        if (r >= i0) return;
        float s = 0f;
        for (int j = 0; j < i1; j++) s += ld(o0 + o + j) * ld(o0 + o + j);
        float rs = 1f / sqrt(s / i1 + f0);
        for (int j = 0; j < i1; j++) st(o2 + o + j, ld(o0 + o + j) * rs * ld(o1 + j));
        st(o3 + r, rs);
    }

    // RMS_NORM_BACKWARD: gx o4 [rows, i1] += rstd·(gy·gamma − xhat·mean(gy·gamma·xhat)); x o0, gamma o1, rstd o2, gy o3
    protected void rmsNormBackward() {
        int r = getGlobalId(0), o = r * i1;
        if (r >= i0) return;
        float rs = ld(o2 + r);
        float s = 0f;
        for (int j = 0; j < i1; j++) s += ld(o3 + o + j) * ld(o1 + j) * ld(o0 + o + j) * rs;
        float m = s / i1;
        for (int j = 0; j < i1; j++) {
            float xhat = ld(o0 + o + j) * rs;
            st(o4 + o + j, ld(o4 + o + j) + rs * (ld(o3 + o + j) * ld(o1 + j) - xhat * m));
        }
    }

    // CROSS_ENTROPY: logProbs o2 [rows, i1] = log-softmax(logits o0); losses o1 [rows] =
    // (1−f0)·(−lp[t]) + f0·mean(−lp), 0 where t = ints[row] equals i2 (ignore index)
    protected void crossEntropy() {
        int r = getGlobalId(0), o = r * i1;
        if (r >= i0) return;
        float mx = negInf;
        for (int j = 0; j < i1; j++) mx = max(mx, ld(o0 + o + j));
        mx = mx;
        float s = 0f;
        for (int j = 0; j < i1; j++) s += exp(ld(o0 + o + j) - mx);
        float logSum = log(s);
        float sumLp = 0f;
        for (int j = 0; j < i1; j++) {
            float lp = ld(o0 + o + j) - mx - logSum;
            st(o2 + o + j, lp);
            sumLp += lp;
        }
        sumLp = sumLp;
        {
            int t = ints[r];
            if (t == i2) st(o1 + r, 0f);
            else st(o1 + r, (1f - f0) * -(ld(o0 + o + t) - mx - logSum) + f0 * (-sumLp / i1));
        }
    }

    // CROSS_ENTROPY_BACKWARD (item per element i < i0 = rows·i1): gLogits o2 += gLoss o1[row]·(exp(lp o0) − smoothed),
    // smoothed = (j == t ? 1 − f0 : 0) + f1 (= f0 / classes); rows whose target ints[row] == i2 are skipped
    protected void crossEntropyBackward(int i) {
        if (i < i0) {
            int r = i / i1, j = i - r * i1;
            int t = ints[r];
            if (t != i2) {
                float smoothed = (j == t ? 1f - f0 : 0f) + f1;
                st(o2 + i, ld(o2 + i) + ld(o1 + r) * (exp(ld(o0 + i)) - smoothed));
            }
        }
    }
}
