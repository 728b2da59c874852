package dev.kiln.api.ops;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.tensor.IntTensor;
import dev.kiln.api.tensor.Shape;
import dev.kiln.api.tensor.Storage;
import dev.kiln.api.tensor.Tensor;

import static dev.kiln.api.ops.Activations.*;
import static dev.kiln.api.ops.Arithmetic.*;

/** Loss functions: cross-entropy (ignore index, label smoothing), MSE, BCE with logits, cosine similarity. */
public final class Losses {
    /** The conventional ignore index (PyTorch's -100). */
    public static final int IGNORE = -100;

    private Losses() {}

    /** Mean cross-entropy over rows whose target is not IGNORE. logits: [..., V], targets: [...] → [1] */
    public static Tensor crossEntropy(Tensor logits, IntTensor targets) {
        return crossEntropy(logits, targets, IGNORE, 0f);
    }

    /**
     * logits: [..., V], targets: [...] → scalar [1]; 0 when every row is ignored. Keeps for backward only
     * what the backend asks ({@link Backend#crossEntropyStatsSize}): the cpu backend keeps a logsumexp per
     * row and recomputes the softmax row by row, so the loss holds O(rows), not a second [rows, V].
     */
    public static Tensor crossEntropy(Tensor logits, IntTensor targets, int ignoreIndex, float labelSmoothing) {
        return crossEntropy(logits, targets, ignoreIndex, labelSmoothing, false);
    }

    /**
     * The reference: as {@link #crossEntropy(Tensor, IntTensor, int, float)} but always saving the full
     * log-probabilities [rows, V] for backward ({@link Backend#crossEntropy}). Tests compare against it.
     */
    public static Tensor crossEntropySavingLogProbs(Tensor logits, IntTensor targets, int ignoreIndex, float labelSmoothing) {
        return crossEntropy(logits, targets, ignoreIndex, labelSmoothing, true);
    }

    private static Tensor crossEntropy(Tensor logits, IntTensor targets, int ignoreIndex, float labelSmoothing, boolean logProbs) {
        int classes = logits.dim(-1), rows = logits.size() / Math.max(1, classes);
        if (targets.size() != rows)
            throw new IllegalArgumentException("cross-entropy: " + rows + " rows of logits " + logits.shape()
                    + " but " + targets.size() + " targets " + targets.shape());
        int[] t = targets.data();
        int counted = 0;
        for (int i = 0; i < rows; i++) {
            if (t[i] == ignoreIndex) continue;
            if (t[i] < 0 || t[i] >= classes)
                throw new IllegalArgumentException("cross-entropy: target " + t[i] + " at row " + i + " is not a class in [0, " + classes + ")");
            counted++;
        }
        Tensor perRow = logProbs ? perRowSavingLogProbs(logits, t, rows, classes, ignoreIndex, labelSmoothing)
                : perRowCrossEntropy(logits, t, rows, classes, ignoreIndex, labelSmoothing);
        return mulScalar(Reductions.sum(perRow), 1f / Math.max(1, counted));
    }

    /** Per-row losses [rows] (0 for ignored rows), keeping the backend's statistics (logits: [rows, classes]). */
    static Tensor perRowCrossEntropy(Tensor logits, int[] t, int rows, int classes, int ignoreIndex, float smoothing) {
        Backend be = logits.backend();
        Storage losses = be.allocate(rows), stats = be.allocate(be.crossEntropyStatsSize(rows, classes));
        be.crossEntropyWithStats(logits.storage(), t, losses, stats, rows, classes, ignoreIndex, smoothing);
        return Tensor.result("cross_entropy", losses, Shape.of(rows), g -> {
            Tensor.GradTarget gl = logits.gradTarget();     // the logits' first gradient is written, not added to zeros
            be.crossEntropyBackwardFromStats(logits.storage(), stats, t, g, gl.storage(), rows, classes, ignoreIndex, smoothing,
                    gl.accumulate());
        }, logits).savedForBackward(stats);
    }

    /** Per-row losses [rows], keeping log-probabilities [rows, classes]: the reference. */
    private static Tensor perRowSavingLogProbs(Tensor logits, int[] t, int rows, int classes, int ignoreIndex, float smoothing) {
        Backend be = logits.backend();
        Storage losses = be.allocate(rows), logProbs = be.allocate(rows * classes);
        be.crossEntropy(logits.storage(), t, losses, logProbs, rows, classes, ignoreIndex, smoothing);
        return Tensor.result("cross_entropy", losses, Shape.of(rows), g ->
                be.crossEntropyBackward(logProbs, t, g, logits.gradForAccumulation(), rows, classes, ignoreIndex, smoothing), logits)
                .savedForBackward(logProbs);
    }

    /** mean((a − b)²) → [1] */
    public static Tensor mse(Tensor a, Tensor b) {
        return Reductions.mean(square(sub(a, b)));
    }

    /** Sum of squared errors Σ (a − b)² → [1] */
    public static Tensor sumSquaredError(Tensor a, Tensor b) {
        return Reductions.sum(square(sub(a, b)));
    }

    /**
     * Mean binary cross-entropy with logits, the numerically stable form
     * max(x, 0) − x·y + log(1 + exp(−|x|)). logits and targets (0/1 floats) have the same shape.
     */
    public static Tensor binaryCrossEntropyWithLogits(Tensor logits, Tensor targets) {
        Tensor softplus = log(addScalar(exp(neg(abs(logits))), 1f));
        return Reductions.mean(add(sub(relu(logits), mul(logits, targets)), softplus));
    }

    /** cos(a, b) along axis: Σ a·b / sqrt(‖a‖²·‖b‖² + eps²) (smooth; 0 for a zero vector) → shape without that axis. */
    public static Tensor cosineSimilarity(Tensor a, Tensor b, int axis, float eps) {
        Tensor dot = Reductions.sum(mul(a, b), axis, false);
        Tensor na = Reductions.sum(square(a), axis, false);
        Tensor nb = Reductions.sum(square(b), axis, false);
        Tensor denom = sqrt(addScalar(mul(na, nb), eps * eps));
        return div(dot, denom);
    }
}
