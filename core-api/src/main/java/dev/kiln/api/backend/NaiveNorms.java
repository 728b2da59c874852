package dev.kiln.api.backend;

/** Reference row kernels of {@link NaiveBackend}: softmax, layer / RMS norm, cross-entropy. */
final class NaiveNorms {
    private NaiveNorms() {}

    // x, y: [rows, cols]
    static void softmax(float[] x, float[] y, int rows, int cols, boolean log) {
        for (int r = 0; r < rows; r++) {
            int o = r * cols;
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < cols; j++) max = Math.max(max, x[o + j]);
            double sum = 0;
            for (int j = 0; j < cols; j++) sum += Math.exp(x[o + j] - max);
            double logSum = Math.log(sum);
            for (int j = 0; j < cols; j++) {
                y[o + j] = (float) (log ? x[o + j] - max - logSum : Math.exp(x[o + j] - max) / sum);
            }
        }
    }

    // y, gy, gx: [rows, cols]
    static void softmaxBackward(float[] y, float[] gy, float[] gx, int rows, int cols, boolean log) {
        for (int r = 0; r < rows; r++) {
            int o = r * cols;
            double s = 0;
            for (int j = 0; j < cols; j++) s += log ? gy[o + j] : (double) gy[o + j] * y[o + j];
            for (int j = 0; j < cols; j++) {
                gx[o + j] += (float) (log ? gy[o + j] - Math.exp(y[o + j]) * s : y[o + j] * (gy[o + j] - s));
            }
        }
    }

    // x, y: [rows, cols]; gamma, beta: [cols] (beta may be null); mean, rstd: [rows]
    static void layerNorm(float[] x, float[] gamma, float[] beta, float[] y, float[] mean, float[] rstd,
                          int rows, int cols, float eps) {
        for (int r = 0; r < rows; r++) {
            int o = r * cols;
            double mu = 0;
            for (int j = 0; j < cols; j++) mu += x[o + j];
            mu /= cols;
            double var = 0;
            for (int j = 0; j < cols; j++) var += (x[o + j] - mu) * (x[o + j] - mu);
            var /= cols;
            double rs = 1.0 / Math.sqrt(var + eps);
            for (int j = 0; j < cols; j++) {
                y[o + j] = (float) ((x[o + j] - mu) * rs * gamma[j] + (beta == null ? 0 : beta[j]));
            }
            mean[r] = (float) mu;
            rstd[r] = (float) rs;
        }
    }

    // x, gy, gx: [rows, cols]; gamma, gGamma, gBeta: [cols]; mean, rstd: [rows]
    static void layerNormBackward(float[] x, float[] gamma, float[] mean, float[] rstd, float[] gy,
                                  float[] gx, float[] gGamma, float[] gBeta, int rows, int cols) {
        for (int r = 0; r < rows; r++) {
            int o = r * cols;
            double mDy = 0, mDyXhat = 0;
            for (int j = 0; j < cols; j++) {
                double xhat = (x[o + j] - mean[r]) * (double) rstd[r];
                double dxhat = (double) gy[o + j] * gamma[j];
                mDy += dxhat;
                mDyXhat += dxhat * xhat;
            }
            mDy /= cols;
            mDyXhat /= cols;
            for (int j = 0; j < cols; j++) {
                double xhat = (x[o + j] - mean[r]) * (double) rstd[r];
                double dxhat = (double) gy[o + j] * gamma[j];
                gx[o + j] += (float) (rstd[r] * (dxhat - mDy - xhat * mDyXhat));
                if (gGamma != null) gGamma[j] += (float) (gy[o + j] * xhat);
                if (gBeta != null) gBeta[j] += gy[o + j];
            }
        }
    }

    // x, y: [rows, cols]; gamma: [cols]; rstd: [rows]
    static void rmsNorm(float[] x, float[] gamma, float[] y, float[] rstd, int rows, int cols, float eps) {
        for (int r = 0; r < rows; r++) {
            int o = r * cols;
            double ms = 0;
            for (int j = 0; j < cols; j++) ms += (double) x[o + j] * x[o + j];
            double rs = 1.0 / Math.sqrt(ms / cols + eps);
            for (int j = 0; j < cols; j++) y[o + j] = (float) (x[o + j] * rs * gamma[j]);
            rstd[r] = (float) rs;
        }
    }

    // x, gy, gx: [rows, cols]; gamma, gGamma: [cols]; rstd: [rows]
    static void rmsNormBackward(float[] x, float[] gamma, float[] rstd, float[] gy, float[] gx, float[] gGamma,
                                int rows, int cols) {
        for (int r = 0; r < rows; r++) {
            int o = r * cols;
            double mDyXhat = 0;
            for (int j = 0; j < cols; j++) mDyXhat += (double) gy[o + j] * gamma[j] * x[o + j] * rstd[r];
            mDyXhat /= cols;
            for (int j = 0; j < cols; j++) {
                double xhat = (double) x[o + j] * rstd[r];
                gx[o + j] += (float) (rstd[r] * ((double) gy[o + j] * gamma[j] - xhat * mDyXhat));
                if (gGamma != null) gGamma[j] += (float) (gy[o + j] * xhat);
            }
        }
    }

    // logits, logProbs: [rows, classes]; targets, losses: [rows]
    static void crossEntropy(float[] logits, int[] targets, float[] losses, float[] logProbs,
                             int rows, int classes, int ignoreIndex, float labelSmoothing) {
        softmax(logits, logProbs, rows, classes, true);
        for (int r = 0; r < rows; r++) {
            int t = targets[r];
            if (t == ignoreIndex) {
                losses[r] = 0f;
                continue;
            }
            checkTarget(t, classes);
            int o = r * classes;
            double meanNll = 0;
            for (int j = 0; j < classes; j++) meanNll -= logProbs[o + j];
            meanNll /= classes;
            losses[r] = (float) ((1 - labelSmoothing) * -(double) logProbs[o + t] + labelSmoothing * meanNll);
        }
    }

    // logProbs, gLogits: [rows, classes]; targets, gLoss: [rows]
    static void crossEntropyBackward(float[] logProbs, int[] targets, float[] gLoss, float[] gLogits,
                                     int rows, int classes, int ignoreIndex, float labelSmoothing) {
        double uniform = (double) labelSmoothing / classes;
        for (int r = 0; r < rows; r++) {
            int t = targets[r];
            if (t == ignoreIndex) continue;
            checkTarget(t, classes);
            int o = r * classes;
            for (int j = 0; j < classes; j++) {
                double smoothed = (j == t ? 1 - labelSmoothing : 0) + uniform;
                gLogits[o + j] += (float) (gLoss[r] * (Math.exp(logProbs[o + j]) - smoothed));
            }
        }
    }

    static void checkTarget(int t, int classes) {
        if (t < 0 || t >= classes)
            throw new IndexOutOfBoundsException("target " + t + " outside [0, " + classes + ")");
    }
}
