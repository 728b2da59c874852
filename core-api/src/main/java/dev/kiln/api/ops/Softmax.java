package dev.kiln.api.ops;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.tensor.Storage;
import dev.kiln.api.tensor.Tensor;

/** softmax and log-softmax along an axis (the last axis runs directly; others via permute). */
public final class Softmax {
    private Softmax() {}

    public static Tensor softmax(Tensor x, int axis) { return apply(x, axis, false); }

    public static Tensor logSoftmax(Tensor x, int axis) { return apply(x, axis, true); }

    private static Tensor apply(Tensor x, int axis, boolean log) {
        int ax = x.shape().axis(axis);
        if (ax != x.rank() - 1) {
            Tensor moved = Shapes.transpose(x, ax, -1);
            return Shapes.transpose(apply(moved, -1, log), ax, -1);
        }
        int cols = x.dim(-1), rows = cols == 0 ? 0 : x.size() / cols;
        Backend be = x.backend();
        Storage y = be.allocateUninitialized(x.size());
        be.softmax(x.storage(), y, rows, cols, log);
        return Tensor.result(log ? "log_softmax" : "softmax", y, x.shape(),
                g -> be.softmaxBackward(y, g, x.gradForAccumulation(), rows, cols, log), x);
    }
}
