package dev.kiln.api.ops;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.BinaryOp;
import dev.kiln.api.tensor.Shape;
import dev.kiln.api.tensor.Storage;
import dev.kiln.api.tensor.Tensor;

/** sum / mean / max, over everything or along one axis. */
public final class Reductions {
    private Reductions() {}

    /** Scalar [] sum of all elements, shape [1]. */
    public static Tensor sum(Tensor x) {
        return Shapes.reshape(sum(Shapes.reshape(x, x.size()), 0, false), 1);
    }

    /** Scalar mean of all elements, shape [1]. */
    public static Tensor mean(Tensor x) {
        return Arithmetic.mulScalar(sum(x), 1f / Math.max(1, x.size()));
    }

    /** Sum along axis; keepDim leaves a 1 there. */
    public static Tensor sum(Tensor x, int axis, boolean keepDim) {
        return reduce(x, axis, keepDim, false);
    }

    public static Tensor mean(Tensor x, int axis, boolean keepDim) {
        int len = x.dim(axis);
        return Arithmetic.mulScalar(sum(x, axis, keepDim), 1f / Math.max(1, len));
    }

    /** Max along axis; the gradient is shared equally among tied maxima. */
    public static Tensor max(Tensor x, int axis, boolean keepDim) {
        return reduce(x, axis, keepDim, true);
    }

    private static Tensor reduce(Tensor x, int axis, boolean keepDim, boolean max) {
        int ax = x.shape().axis(axis);
        int outer = x.shape().prod(0, ax), len = x.dim(ax), inner = x.shape().prod(ax + 1, x.rank());
        int[] kept = x.dims();
        kept[ax] = 1;
        Backend be = x.backend();
        Storage out = be.allocateUninitialized(outer * inner);
        be.reduceAxis(max, x.storage(), out, outer, len, inner);
        int[] outDims = keepDim ? kept : removeAxis(x.dims(), ax);
        int[] xd = x.dims();
        return Tensor.result(max ? "max" : "sum", out, Shape.of(outDims), g -> {
            Storage spread;
            if (max) { // mask of the maxima, divided by how many tie
                Storage mask = Kernels.binary(be, BinaryOp.EQ, x.storage(), xd, out, kept, xd);
                Storage count = be.allocate(outer * inner);
                be.reduceSumTo(mask, xd, count, kept, false);
                Storage share = Kernels.binary(be, BinaryOp.DIV, g, kept, count, kept, kept);
                spread = Kernels.binary(be, BinaryOp.MUL, mask, xd, share, kept, xd);
                Kernels.release(be, mask, count, share);
            } else {
                spread = Kernels.broadcast(be, g, kept, xd);
            }
            x.takeGradient(spread);
        }, x);
    }

    private static int[] removeAxis(int[] dims, int ax) {
        int[] out = new int[dims.length - 1];
        for (int i = 0, j = 0; i < dims.length; i++) if (i != ax) out[j++] = dims[i];
        return out;
    }
}
