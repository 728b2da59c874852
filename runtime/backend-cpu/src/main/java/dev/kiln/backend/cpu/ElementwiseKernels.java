package dev.kiln.backend.cpu;

import dev.kiln.api.backend.BinaryOp;
import dev.kiln.api.backend.UnaryOp;

/**
 * Parallel element-wise maps with the op switch hoisted out of the loop, and the broadcast fast
 * paths that matter in a transformer: same shape, a row vector over a matrix (bias add), a scalar.
 * Returns false from the binary / reduce paths it does not cover, so the caller falls back.
 */
final class ElementwiseKernels {
    private static final int GRAIN = 1 << 14;
    private final Parallel par;
    private final Lanes lanes;

    ElementwiseKernels(Parallel par, Lanes lanes) {
        this.par = par;
        this.lanes = lanes;
    }

    // x, y: [n] (may alias)
    void unary(UnaryOp op, float[] x, float[] y, int n, float param) {
        par.range(n, GRAIN, (from, to) -> {
            switch (op) {
                case NEG: for (int i = from; i < to; i++) y[i] = -x[i]; break;
                case RELU: for (int i = from; i < to; i++) y[i] = x[i] > 0 ? x[i] : 0f; break;
                case SCALE: for (int i = from; i < to; i++) y[i] = x[i] * param; break;
                case ADD_SCALAR: for (int i = from; i < to; i++) y[i] = x[i] + param; break;
                case SQUARE: for (int i = from; i < to; i++) y[i] = x[i] * x[i]; break;
                case ABS: for (int i = from; i < to; i++) y[i] = Math.abs(x[i]); break;
                case SQRT: for (int i = from; i < to; i++) y[i] = (float) Math.sqrt(x[i]); break;
                default:
                    if (!lanes.unary(op, x, y, from, to)) for (int i = from; i < to; i++) y[i] = op.apply(x[i], param);
            }
        });
    }

    // x, y, gy, gx: [n]; gx += gy · op'(x), or gx = gy · op'(x) when not accumulating (gx may then be gy)
    void unaryBackward(UnaryOp op, float[] x, float[] y, float[] gy, float[] gx, int n, float param, boolean accumulate) {
        if (!accumulate) {
            par.range(n, GRAIN, (from, to) -> {
                if (!lanes.unaryGradient(op, x, y, gy, gx, from, to))
                    for (int i = from; i < to; i++) gx[i] = gy[i] * op.derivative(x[i], y[i], param);
            });
            return;
        }
        par.range(n, GRAIN, (from, to) -> {
            switch (op) {
                case NEG: for (int i = from; i < to; i++) gx[i] -= gy[i]; break;
                case RELU: for (int i = from; i < to; i++) gx[i] += x[i] > 0 ? gy[i] : 0f; break;
                case SCALE: for (int i = from; i < to; i++) gx[i] += gy[i] * param; break;
                case ADD_SCALAR: for (int i = from; i < to; i++) gx[i] += gy[i]; break;
                case EXP: for (int i = from; i < to; i++) gx[i] += gy[i] * y[i]; break;
                case SQUARE: for (int i = from; i < to; i++) gx[i] += gy[i] * 2f * x[i]; break;
                default:
                    if (!lanes.unaryBackward(op, x, y, gy, gx, from, to))
                        for (int i = from; i < to; i++) gx[i] += gy[i] * op.derivative(x[i], y[i], param);
            }
        });
    }

    /** a: aShape, b: bShape, out: outShape; false when no fast path applies. */
    boolean binary(BinaryOp op, float[] a, int[] aShape, float[] b, int[] bShape, float[] out, int[] outShape) {
        int n = size(outShape);
        if (sameDims(aShape, outShape) && sameDims(bShape, outShape)) {
            par.range(n, GRAIN, (from, to) -> map(op, a, from, b, from, out, from, to - from));
            return true;
        }
        int ta = trailing(aShape, outShape), tb = trailing(bShape, outShape);
        if (ta == n && tb > 0 && tb <= n) {      // b is a row (or a scalar) repeated over a
            int cols = tb;
            par.range(n / cols, Math.max(1, GRAIN / cols), (r0, r1) -> {
                for (int r = r0; r < r1; r++) map(op, a, r * cols, b, 0, out, r * cols, cols);
            });
            return true;
        }
        if (tb == n && ta > 0 && ta <= n) {      // a is the repeated row
            int cols = ta;
            par.range(n / cols, Math.max(1, GRAIN / cols), (r0, r1) -> {
                for (int r = r0; r < r1; r++) map(op, a, 0, b, r * cols, out, r * cols, cols);
            });
            return true;
        }
        return false;
    }

    // out[oo+i] = op(a[ao+i], b[bo+i]) for i in [0, len)
    private static void map(BinaryOp op, float[] a, int ao, float[] b, int bo, float[] out, int oo, int len) {
        switch (op) {
            case ADD: for (int i = 0; i < len; i++) out[oo + i] = a[ao + i] + b[bo + i]; break;
            case SUB: for (int i = 0; i < len; i++) out[oo + i] = a[ao + i] - b[bo + i]; break;
            case MUL: for (int i = 0; i < len; i++) out[oo + i] = a[ao + i] * b[bo + i]; break;
            case DIV: for (int i = 0; i < len; i++) out[oo + i] = a[ao + i] / b[bo + i]; break;
            default: for (int i = 0; i < len; i++) out[oo + i] = op.apply(a[ao + i], b[bo + i]);
        }
    }

    /**
     * The number of trailing elements of {@code shape} that are contiguous and equal to {@code full}'s,
     * when every leading dimension of shape is 1; else -1. E.g. [1, 33] in [5, 33] gives 33, [5, 33] gives 165.
     */
    static int trailing(int[] shape, int[] full) {
        if (shape.length != full.length) return -1;
        int i = shape.length;
        int size = 1;
        while (i > 0 && shape[i - 1] == full[i - 1]) size *= shape[--i];
        for (int j = 0; j < i; j++) if (shape[j] != 1) return -1;
        return size;
    }

    /** src [rows, cols] → dst [1, cols] (bias gradients) or same shape; false when no fast path applies. */
    boolean reduceSumTo(float[] src, int[] srcShape, float[] dst, int[] dstShape, boolean accumulate) {
        int n = size(srcShape), cols = trailing(dstShape, srcShape);
        if (cols <= 0 || n == 0 || cols > n || n % cols != 0) return false;
        int rows = n / cols;
        par.range(cols, 64, (c0, c1) -> {
            if (rows == 1 && !accumulate) {   // the same shape (an add's second input): the gradient itself, one pass
                System.arraycopy(src, c0, dst, c0, c1 - c0);   // (0 + x would have turned a −0 into +0)
                return;
            }
            if (!accumulate) for (int j = c0; j < c1; j++) dst[j] = 0f;
            lanes.addColumnSums(src, rows, cols, dst, c0, c1);
        });
        return true;
    }

    // table: [rows, dim]; ids: [n]; out: [n, dim]
    void embedding(float[] table, int[] ids, float[] out, int dim) {
        for (int id : ids) checkId(id, table.length, dim);
        par.range(ids.length, Math.max(1, GRAIN / Math.max(dim, 1)), (i0, i1) -> {
            for (int i = i0; i < i1; i++) System.arraycopy(table, ids[i] * dim, out, i * dim, dim);
        });
    }

    // gOut: [n, dim]; ids: [n]; gTable: [rows, dim]; parallel over the dim, so repeated ids never race
    void embeddingBackward(float[] gOut, int[] ids, float[] gTable, int dim) {
        for (int id : ids) checkId(id, gTable.length, dim);
        par.range(dim, 64, (d0, d1) -> {
            for (int i = 0; i < ids.length; i++) {
                int src = i * dim, dst = ids[i] * dim;
                for (int d = d0; d < d1; d++) gTable[dst + d] += gOut[src + d];
            }
        });
    }

    private static void checkId(int id, int tableSize, int dim) {
        if (id < 0 || (long) (id + 1) * dim > tableSize)
            throw new IndexOutOfBoundsException("id " + id + " outside an embedding table of " + (tableSize / Math.max(dim, 1)) + " rows");
    }

    static boolean sameDims(int[] a, int[] b) { return java.util.Arrays.equals(a, b); }

    static int size(int[] shape) {
        int n = 1;
        for (int d : shape) n *= d;
        return n;
    }
}
