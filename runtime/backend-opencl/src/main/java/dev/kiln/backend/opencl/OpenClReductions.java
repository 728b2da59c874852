package dev.kiln.backend.opencl;

import dev.kiln.api.backend.RowMajor;
import dev.kiln.api.tensor.Storage;
import dev.kiln.backend.opencl.kernel.Kernels;
import dev.kiln.backend.opencl.kernel.Op;

import static dev.kiln.backend.opencl.OpenClBackend.check;

/**
 * Host side of the reductions: sums to a broadcast shape (a bias gradient is a column sum, which runs as a column
 * kernel; any other shape one item per output element), sums or maxima along an axis, and the sum of squares that
 * gradient clipping reads back. Calls arrive serialized.
 */
final class OpenClReductions {
    private final Launcher dev;

    OpenClReductions(Launcher dev) { this.dev = dev; }

    // src: srcShape -> dst: dstShape (same rank, dims 1 or equal)
    void reduceSumTo(Storage src, int[] srcShape, Storage dst, int[] dstShape, boolean accumulate) {
        RowMajor.broadcastStrides(dstShape, srcShape);  // validates
        int rank = srcShape.length, reduced = 1;
        int[] reducedDims = new int[rank];
        for (int d = 0; d < rank; d++) {
            reducedDims[d] = dstShape[d] == srcShape[d] ? 1 : srcShape[d];
            reduced *= reducedDims[d];
        }
        int n = RowMajor.size(dstShape);
        check(dst, n, "reduceSumTo dst");
        check(src, RowMajor.size(srcShape), "reduceSumTo src");
        int kept = keptTrailing(srcShape, dstShape);
        if (reduced > 1 && kept >= 0) {
            int rows = 1;
            for (int d = 0; d < kept; d++) rows *= srcShape[d];
            columnSums(src, dst, rows, n, accumulate);
            return;
        }
        dev.meta(dstShape, RowMajor.strides(srcShape), reducedDims);
        dev.k.o0 = dev.off(src);
        dev.k.o1 = dev.off(dst);
        dev.k.i0 = n;
        dev.k.i1 = rank;
        dev.k.i2 = reduced;
        dev.k.i3 = accumulate ? 1 : 0;
        dev.run1D(Op.REDUCE_SUM_TO, n);
    }

    /**
     * Where dst keeps src's dimensions from p on and is 1 before it, p (so src is [rows, cols] with rows the product
     * of src's first p dimensions and dst [cols]); else −1.
     */
    static int keptTrailing(int[] srcShape, int[] dstShape) {
        int p = srcShape.length;
        while (p > 0 && dstShape[p - 1] == srcShape[p - 1]) p--;
        for (int d = 0; d < p; d++) if (dstShape[d] != 1) return -1;
        return p;
    }

    // src: [rows, cols] -> dst: [cols]
    private void columnSums(Storage src, Storage dst, int rows, int cols, boolean accumulate) {
        dev.k.o0 = dev.off(src);
        dev.k.o1 = dev.off(dst);
        dev.k.i0 = rows;
        dev.k.i1 = cols;
        dev.k.i2 = accumulate ? 1 : 0;
        dev.runColumns(Op.COLUMN_SUMS, cols);
    }

    // src: [outer, len, inner] -> dst: [outer, inner]
    void reduceAxis(boolean max, Storage src, Storage dst, int outer, int len, int inner) {
        check(dst, (long) outer * inner, "reduceAxis dst");
        dev.k.o0 = dev.off(src);
        dev.k.o1 = dev.off(dst);
        dev.k.i0 = outer;
        dev.k.i1 = len;
        dev.k.i2 = inner;
        dev.k.i3 = max ? 1 : 0;
        dev.run1D(Op.REDUCE_AXIS, outer * inner);
    }

    // src: [n] → work-group partial sums on the device, finished on the host in double
    double sumOfSquares(Storage src, int n) {
        if (n <= 0) return 0;
        check(src, n, "sumOfSquares");
        int groups = Math.min(64, (n + Kernels.ROW_GROUP - 1) / Kernels.ROW_GROUP);
        OpenClStorage partials = dev.arena.allocate(groups);
        try {
            dev.k.o0 = dev.off(src);
            dev.k.o1 = partials.offset;
            dev.k.i0 = n;
            dev.runGroups(Op.SUM_SQUARES, groups, Kernels.ROW_GROUP);
            double s = 0;
            for (float p : dev.read(partials.offset, groups)) s += p;
            return s;
        } finally {
            dev.arena.release(partials);
        }
    }
}
