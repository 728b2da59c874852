package dev.kiln.backend.cpu;

/** Row-parallel softmax, log-softmax and cross-entropy with their backward passes, one pass per step. */
final class SoftmaxKernels {
    private final Parallel par;
    private final Lanes lanes;

    SoftmaxKernels(Parallel par, Lanes lanes) {
        this.par = par;
        this.lanes = lanes;
    }

    static int grain(int cols) { return Math.max(1, 16384 / Math.max(cols, 1)); }

    // x, y: [rows, cols]
    void softmax(float[] x, float[] y, int rows, int cols, boolean log) {
        par.range(rows, grain(cols), (r0, r1) -> {
            for (int r = r0; r < r1; r++) row(x, y, r * cols, cols, log);
        });
    }

    // one row of (log-)softmax from x[o, o+cols) into y[o, o+cols)
    void row(float[] x, float[] y, int o, int cols, boolean log) {
        float max = lanes.max(x, o, cols);
        float sum = log ? lanes.expShiftSum(x, o, cols, max) : lanes.expShift(x, o, y, o, cols, max);
        if (log) {
            float shift = max + (float) Math.log(sum);
            for (int j = o; j < o + cols; j++) y[j] = x[j] - shift;
        } else {
            float inv = (float) (1.0 / sum);
            for (int j = o; j < o + cols; j++) y[j] *= inv;
        }
    }

    // y, gy, gx: [rows, cols]
    void softmaxBackward(float[] y, float[] gy, float[] gx, int rows, int cols, boolean log) {
        par.range(rows, grain(cols), (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int o = r * cols;
                if (log) {
                    float s = lanes.sum(gy, o, cols);
                    lanes.expScaled(y, gx, o, cols, 0f, -s, 0f, true);
                    for (int j = o; j < o + cols; j++) gx[j] += gy[j];
                } else {
                    float s = lanes.dot(gy, o, y, o, cols);
                    for (int j = o; j < o + cols; j++) gx[j] += y[j] * (gy[j] - s);
                }
            }
        });
    }

    // logits, logProbs: [rows, classes]; targets, losses: [rows]
    void crossEntropy(float[] logits, int[] targets, float[] losses, float[] logProbs,
                      int rows, int classes, int ignoreIndex, float eps) {
        checkTargets(targets, rows, classes, ignoreIndex);
        par.range(rows, grain(classes), (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int o = r * classes, t = targets[r];
                row(logits, logProbs, o, classes, true);
                if (t == ignoreIndex) {
                    losses[r] = 0f;
                    continue;
                }
                float nll = -logProbs[o + t];
                losses[r] = eps == 0f ? nll : (1 - eps) * nll - eps * lanes.sum(logProbs, o, classes) / classes;
            }
        });
    }

    // logProbs, gLogits: [rows, classes]; targets, gLoss: [rows]
    void crossEntropyBackward(float[] logProbs, int[] targets, float[] gLoss, float[] gLogits,
                              int rows, int classes, int ignoreIndex, float eps) {
        checkTargets(targets, rows, classes, ignoreIndex);
        float uniform = eps / classes;
        par.range(rows, grain(classes), (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int o = r * classes, t = targets[r];
                if (t == ignoreIndex) continue;
                float g = gLoss[r];
                lanes.expScaled(logProbs, gLogits, o, classes, 0f, g, uniform, true);
                gLogits[o + t] -= g * (1 - eps);
            }
        });
    }

    static void checkTargets(int[] targets, int rows, int classes, int ignoreIndex) {
        for (int r = 0; r < rows; r++) {
            int t = targets[r];
            if (t != ignoreIndex && (t < 0 || t >= classes))
                throw new IndexOutOfBoundsException("target " + t + " outside [0, " + classes + ")");
        }
    }
}
