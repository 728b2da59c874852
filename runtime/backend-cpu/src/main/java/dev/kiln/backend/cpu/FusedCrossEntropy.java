package dev.kiln.backend.cpu;

import java.util.Arrays;

/**
 * Cross-entropy that saves one logsumexp per row instead of the [rows, classes] log-probabilities,
 * and recomputes the softmax from the logits in backward. Rows run in parallel chunks of
 * {@link SoftmaxKernels#grain} rows, so nothing of size rows·classes is ever allocated: the loss
 * holds O(rows) between forward and backward (the logits themselves belong to the caller).
 * The float operations are those of {@link SoftmaxKernels#crossEntropy} (lse = max + log Σ exp(x − max),
 * nll = lse − x[t], gradient exp(x − lse)), so losses and gradients equal the log-probability path
 * except for the label-smoothing mean, which here is lse − mean(x).
 */
final class FusedCrossEntropy {
    private final Parallel par;
    private final Lanes lanes;

    FusedCrossEntropy(Parallel par, Lanes lanes) {
        this.par = par;
        this.lanes = lanes;
    }

    // logits: [rows, classes]; targets, losses, lse: [rows]
    void forward(float[] logits, int[] targets, float[] losses, float[] lse, int rows, int classes, int ignoreIndex, float eps) {
        SoftmaxKernels.checkTargets(targets, rows, classes, ignoreIndex);
        par.range(rows, SoftmaxKernels.grain(classes), (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int o = r * classes, t = targets[r];
                float max = lanes.max(logits, o, classes);
                float l = max + (float) Math.log(lanes.expShiftSum(logits, o, classes, max));
                lse[r] = l;
                if (t == ignoreIndex) {
                    losses[r] = 0f;
                    continue;
                }
                float nll = l - logits[o + t];
                losses[r] = eps == 0f ? nll : (1 - eps) * nll + eps * (l - lanes.sum(logits, o, classes) / classes);
            }
        });
    }

    // logits, gLogits: [rows, classes]; lse, targets, gLoss: [rows]; accumulates into gLogits, or overwrites it
    void backward(float[] logits, float[] lse, int[] targets, float[] gLoss, float[] gLogits,
                  int rows, int classes, int ignoreIndex, float eps, boolean accumulate) {
        SoftmaxKernels.checkTargets(targets, rows, classes, ignoreIndex);
        float uniform = eps / classes;
        par.range(rows, SoftmaxKernels.grain(classes), (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int o = r * classes, t = targets[r];
                if (t == ignoreIndex) {
                    if (!accumulate) Arrays.fill(gLogits, o, o + classes, 0f);
                    continue;
                }
                float g = gLoss[r];
                lanes.expScaled(logits, gLogits, o, classes, lse[r], g, uniform, accumulate);   // g·(softmax − ε/V)
                gLogits[o + t] -= g * (1 - eps);
            }
        });
    }
}
