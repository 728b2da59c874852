// Row kernels over [rows, cols] matrices: one work-group of ROW_GROUP items per row (row = group id),
// the items striding over the columns and combining through local-memory tree reductions. Norm
// parameter gradients sum over rows, so they run as a column kernel (common.cl) in a second op.
// The host launches exactly one group per row and the kernels have no `row >= rows` return: on pocl 3.1
// such a return ahead of the barriers crashed the compiled kernel, although it was uniform per group.

// log Σ_j exp(x[j]) over a row of cols floats, and the row's max in *rowMax: the group's items stride over the columns
float row_log_sum_exp(__global const float* x, int cols, __local float* scratch, float* rowMax) {
    int l = get_local_id(0);
    float mx = -INFINITY;
    for (int j = l; j < cols; j += ROW_GROUP) mx = max(mx, x[j]);
    mx = group_max(mx, scratch);
    float s = 0.0f;
    for (int j = l; j < cols; j += ROW_GROUP) s += exp(x[j] - mx);
    *rowMax = mx;
    return log(group_sum(s, scratch));
}

// SOFTMAX: y o1 [i0 rows, i1] = softmax (log-softmax when i2) of x o0 (x and y may coincide)
__kernel void softmax(KILN_ARGS) {
    __local float scratch[ROW_GROUP];
    int r = get_group_id(0), l = get_local_id(0);
    __global const float* x = m0 + o0 + r * i1;
    __global float* y = m1 + o1 + r * i1;
    float mx;
    float logSum = row_log_sum_exp(x, i1, scratch, &mx);
    for (int j = l; j < i1; j += ROW_GROUP) y[j] = i2 != 0 ? x[j] - mx - logSum : exp(x[j] - mx - logSum);
}

// SOFTMAX_BACKWARD: gx o2 [i0 rows, i1] += softmax' (log when i2) from y o0 and gy o1
__kernel void softmax_backward(KILN_ARGS) {
    __local float scratch[ROW_GROUP];
    int r = get_group_id(0), l = get_local_id(0);
    __global const float* y = m0 + o0 + r * i1;
    __global const float* gy = m1 + o1 + r * i1;
    __global float* gx = m2 + o2 + r * i1;
    float s = 0.0f;
    for (int j = l; j < i1; j += ROW_GROUP) s += i2 != 0 ? gy[j] : gy[j] * y[j];
    s = group_sum(s, scratch);
    for (int j = l; j < i1; j += ROW_GROUP) gx[j] += i2 != 0 ? gy[j] - exp(y[j]) * s : y[j] * (gy[j] - s);
}

// LAYER_NORM: y o3 [i0 rows, i1] = (x o0 − mean)·rstd·gamma o1 (+ beta o2 when i2); mean o4, rstd o5 [rows]; eps f0
__kernel void layer_norm(KILN_ARGS) {
    __local float scratch[ROW_GROUP];
    int r = get_group_id(0), l = get_local_id(0);
    __global const float* x = m0 + o0 + r * i1;
    __global const float* gamma = m1 + o1;
    __global float* y = m3 + o3 + r * i1;
    float s = 0.0f;
    for (int j = l; j < i1; j += ROW_GROUP) s += x[j];
    float mu = group_sum(s, scratch) / i1;
    float v = 0.0f;
    for (int j = l; j < i1; j += ROW_GROUP) v += (x[j] - mu) * (x[j] - mu);
    float rs = 1.0f / sqrt(group_sum(v, scratch) / i1 + f0);
    for (int j = l; j < i1; j += ROW_GROUP) {
        float out = (x[j] - mu) * rs * gamma[j];
        y[j] = i2 != 0 ? out + m2[o2 + j] : out;
    }
    if (l == 0) {
        m4[o4 + r] = mu;
        m5[o5 + r] = rs;
    }
}

// LAYER_NORM_BACKWARD: gx o5 [i0 rows, i1] += rstd·(dxhat − mean(dxhat) − xhat·mean(dxhat·xhat));
// x o0, gamma o1, mean o2, rstd o3 [rows], gy o4
__kernel void layer_norm_backward(KILN_ARGS) {
    __local float scratch[ROW_GROUP];
    int r = get_group_id(0), l = get_local_id(0);
    __global const float* x = m0 + o0 + r * i1;
    __global const float* gamma = m1 + o1;
    __global const float* gy = m4 + o4 + r * i1;
    __global float* gx = m5 + o5 + r * i1;
    float mu = m2[o2 + r], rs = m3[o3 + r];
    float a = 0.0f, b = 0.0f;
    for (int j = l; j < i1; j += ROW_GROUP) {
        float xhat = (x[j] - mu) * rs, dxhat = gy[j] * gamma[j];
        a += dxhat;
        b += dxhat * xhat;
    }
    float mDy = group_sum(a, scratch) / i1;
    float mDyXhat = group_sum(b, scratch) / i1;
    for (int j = l; j < i1; j += ROW_GROUP) {
        float xhat = (x[j] - mu) * rs, dxhat = gy[j] * gamma[j];
        gx[j] += rs * (dxhat - mDy - xhat * mDyXhat);
    }
}

// NORM_PARAM_GRADS (a column kernel, see common.cl; rows i0, columns i1): xhat = (x o0 − mean o2)·rstd o3, or x·rstd
// when i3 (RMS); gGamma o5 [i1] += Σ gy o4 · xhat when i4; gBeta o6 += Σ gy when i5
__kernel void norm_param_grads(KILN_ARGS) {
    __local float scratch[COL_LANES * COL_GROUP];
    int j = (int) get_global_id(0), l = get_local_id(1);
    float gg = 0.0f, gb = 0.0f;
    if (j < i1) {
        for (int r = l; r < i0; r += COL_LANES) {
            float x = m0[o0 + r * i1 + j], gy = m4[o4 + r * i1 + j];
            float xhat = i3 != 0 ? x * m3[o3 + r] : (x - m2[o2 + r]) * m3[o3 + r];
            gg += gy * xhat;
            gb += gy;
        }
    }
    gg = lane_sum(gg, scratch);
    gb = lane_sum(gb, scratch);
    if (j < i1 && l == 0) {
        if (i4 != 0) m5[o5 + j] += gg;
        if (i5 != 0) m6[o6 + j] += gb;
    }
}

// RMS_NORM: y o2 [i0 rows, i1] = x o0 · rstd · gamma o1; rstd o3 [rows] = 1/sqrt(mean(x²) + f0)
__kernel void rms_norm(KILN_ARGS) {
    __local float scratch[ROW_GROUP];
    int r = get_group_id(0), l = get_local_id(0);
    __global const float* x = m0 + o0 + r * i1;
    __global const float* gamma = m1 + o1;
    __global float* y = m2 + o2 + r * i1;
    float s = 0.0f;
    for (int j = l; j < i1; j += ROW_GROUP) s += x[j] * x[j];
    float rs = 1.0f / sqrt(group_sum(s, scratch) / i1 + f0);
    for (int j = l; j < i1; j += ROW_GROUP) y[j] = x[j] * rs * gamma[j];
    if (l == 0) m3[o3 + r] = rs;
}

// RMS_NORM_BACKWARD: gx o4 [i0 rows, i1] += rstd·(gy·gamma − xhat·mean(gy·gamma·xhat)); x o0, gamma o1, rstd o2, gy o3
__kernel void rms_norm_backward(KILN_ARGS) {
    __local float scratch[ROW_GROUP];
    int r = get_group_id(0), l = get_local_id(0);
    __global const float* x = m0 + o0 + r * i1;
    __global const float* gamma = m1 + o1;
    __global const float* gy = m3 + o3 + r * i1;
    __global float* gx = m4 + o4 + r * i1;
    float rs = m2[o2 + r];
    float s = 0.0f;
    for (int j = l; j < i1; j += ROW_GROUP) s += gy[j] * gamma[j] * x[j] * rs;
    float m = group_sum(s, scratch) / i1;
    for (int j = l; j < i1; j += ROW_GROUP) gx[j] += rs * (gy[j] * gamma[j] - x[j] * rs * m);
}

// CROSS_ENTROPY: logProbs o2 [i0 rows, i1] = log-softmax(logits o0); losses o1 [rows] =
// (1−f0)·(−lp[t]) + f0·mean(−lp), 0 where t = ints[row] equals i2 (ignore index)
__kernel void cross_entropy(KILN_ARGS) {
    __local float scratch[ROW_GROUP];
    int r = get_group_id(0), l = get_local_id(0);
    __global const float* x = m0 + o0 + r * i1;
    __global float* lp = m2 + o2 + r * i1;
    float mx;
    float logSum = row_log_sum_exp(x, i1, scratch, &mx);
    float sumLp = 0.0f;
    for (int j = l; j < i1; j += ROW_GROUP) {
        float v = x[j] - mx - logSum;
        lp[j] = v;
        sumLp += v;
    }
    sumLp = group_sum(sumLp, scratch);
    if (l == 0) {
        int t = ints[r];
        m1[o1 + r] = t == i2 ? 0.0f : (1.0f - f0) * -(x[t] - mx - logSum) + f0 * (-sumLp / i1);
    }
}

// CROSS_ENTROPY_BACKWARD (item per element i < i0 = rows·i1): gLogits o2 += gLoss o1[row]·(exp(lp o0) − smoothed),
// smoothed = (j == t ? 1 − f0 : 0) + f1 (= f0 / classes); rows whose target ints[row] == i2 are skipped
__kernel void cross_entropy_backward(KILN_ARGS) {
    int i = GID;
    if (i >= i0) return;
    int r = i / i1, j = i - r * i1;
    int t = ints[r];
    if (t == i2) return;
    float smoothed = (j == t ? 1.0f - f0 : 0.0f) + f1;
    m2[o2 + i] += m1[o1 + r] * (exp(m0[o0 + i]) - smoothed);
}
