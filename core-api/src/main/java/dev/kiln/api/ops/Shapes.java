package dev.kiln.api.ops;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.tensor.Shape;
import dev.kiln.api.tensor.Storage;
import dev.kiln.api.tensor.Tensor;

import java.util.Arrays;
import java.util.List;

/** reshape / view, transpose / permute, slice, concat, stack. Tensors are contiguous, so all but reshape copy. */
public final class Shapes {
    private Shapes() {}

    /** Same data, new dims (one dim may be -1). Shares storage; backward passes the gradient through. */
    public static Tensor reshape(Tensor x, int... dims) {
        Shape s = Shape.of(inferDims(x.size(), dims, x.shape()));
        Backend be = x.backend();
        return Tensor.result("reshape", x.storage(), s,
                g -> {
                    if (!x.adoptGradient(g)) Kernels.accumulate(be, g, x.gradForAccumulation(), x.size());
                }, x);
    }

    /** Alias of reshape: every tensor is contiguous. */
    public static Tensor view(Tensor x, int... dims) { return reshape(x, dims); }

    /** out.shape[i] = x.shape[perm[i]] */
    public static Tensor permute(Tensor x, int... permArg) {
        int[] perm = permArg.clone();
        int r = x.rank();
        if (perm.length != r) throw new IllegalArgumentException("permute " + Arrays.toString(perm) + " of shape " + x.shape());
        int[] in = x.dims(), outDims = new int[r], inverse = new int[r];
        boolean[] used = new boolean[r];
        for (int i = 0; i < r; i++) {
            int p = x.shape().axis(perm[i]);
            if (used[p]) throw new IllegalArgumentException("permute " + Arrays.toString(perm) + " repeats an axis");
            used[p] = true;
            outDims[i] = in[p];
            inverse[p] = i;
            perm[i] = p;
        }
        Backend be = x.backend();
        Storage out = be.allocateUninitialized(x.size());
        be.permute(x.storage(), in, perm, out);
        return Tensor.result("permute", out, Shape.of(outDims), g -> {
            Storage back = be.allocateUninitialized(x.size());
            be.permute(g, outDims, inverse, back);
            x.takeGradient(back);
        }, x);
    }

    /** Swaps two axes. */
    public static Tensor transpose(Tensor x, int dim0, int dim1) {
        int[] perm = new int[x.rank()];
        for (int i = 0; i < perm.length; i++) perm[i] = i;
        int a = x.shape().axis(dim0), b = x.shape().axis(dim1);
        perm[a] = b;
        perm[b] = a;
        return permute(x, perm);
    }

    /** x[..., start:end, ...] along one axis. */
    public static Tensor slice(Tensor x, int axis, int start, int end) {
        int ax = x.shape().axis(axis);
        int len = x.dim(ax);
        if (start < 0 || end > len || start > end)
            throw new IllegalArgumentException("slice [" + start + ", " + end + ") out of range for axis " + axis + " of " + x.shape());
        int outer = x.shape().prod(0, ax), inner = x.shape().prod(ax + 1, x.rank());
        int[] dims = x.dims();
        dims[ax] = end - start;
        Shape outShape = Shape.of(dims);
        Backend be = x.backend();
        Storage out = be.allocateUninitialized(outShape.size());
        int block = (end - start) * inner;
        be.copyBlocks(x.storage(), start * inner, len * inner, out, 0, block, block, outer, false);
        return Tensor.result("slice", out, outShape, g ->
                be.copyBlocks(g, 0, block, x.gradForAccumulation(), start * inner, len * inner, block, outer, true), x);
    }

    /** Joins tensors along an existing axis; all other dims must agree. */
    public static Tensor concat(int axis, List<Tensor> parts) {
        if (parts.isEmpty()) throw new IllegalArgumentException("concat of nothing");
        Tensor first = parts.get(0);
        int ax = first.shape().axis(axis);
        int total = 0;
        for (Tensor t : parts) {
            if (t.rank() != first.rank()) throw new IllegalArgumentException("concat rank mismatch: " + t.shape() + " vs " + first.shape());
            for (int d = 0; d < t.rank(); d++)
                if (d != ax && t.dim(d) != first.dim(d))
                    throw new IllegalArgumentException("concat along " + axis + ": shapes " + first.shape() + " and " + t.shape() + " differ elsewhere");
            total += t.dim(ax);
        }
        int outer = first.shape().prod(0, ax), inner = first.shape().prod(ax + 1, first.rank());
        int[] dims = first.dims();
        dims[ax] = total;
        Shape outShape = Shape.of(dims);
        Backend be = first.backend();
        Storage out = be.allocate(outShape.size());
        int outRow = total * inner;
        int[] offsets = new int[parts.size()];
        int off = 0;
        for (int i = 0; i < parts.size(); i++) {
            Tensor t = parts.get(i);
            int block = t.dim(ax) * inner;
            offsets[i] = off;
            be.copyBlocks(t.storage(), 0, block, out, off, outRow, block, outer, false);
            off += block;
        }
        Tensor[] inputs = parts.toArray(new Tensor[0]);
        return Tensor.result("concat", out, outShape, g -> {
            for (int i = 0; i < inputs.length; i++) {
                Tensor t = inputs[i];
                if (!t.requiresGrad()) continue;
                int block = t.dim(ax) * inner;
                be.copyBlocks(g, offsets[i], outRow, t.gradForAccumulation(), 0, block, block, outer, true);
            }
        }, inputs);
    }

    /** Stacks same-shaped tensors along a new axis. */
    public static Tensor stack(int axis, List<Tensor> parts) {
        if (parts.isEmpty()) throw new IllegalArgumentException("stack of nothing");
        int rank = parts.get(0).rank();
        int ax = axis < 0 ? axis + rank + 1 : axis;
        Tensor[] expanded = new Tensor[parts.size()];
        for (int i = 0; i < expanded.length; i++) {
            Tensor t = parts.get(i);
            if (!t.shape().equals(parts.get(0).shape()))
                throw new IllegalArgumentException("stack needs equal shapes: " + parts.get(0).shape() + " vs " + t.shape());
            int[] d = t.dims(), nd = new int[rank + 1];
            System.arraycopy(d, 0, nd, 0, ax);
            nd[ax] = 1;
            System.arraycopy(d, ax, nd, ax + 1, rank - ax);
            expanded[i] = reshape(t, nd);
        }
        return concat(ax, List.of(expanded));
    }

    static int[] inferDims(int size, int[] dims, Shape from) {
        int[] out = dims.clone();
        int infer = -1, known = 1;
        for (int i = 0; i < out.length; i++) {
            if (out[i] == -1) {
                if (infer >= 0) throw new IllegalArgumentException("reshape " + Arrays.toString(dims) + ": only one -1 allowed");
                infer = i;
            } else known *= out[i];
        }
        if (infer >= 0) {
            if (known == 0 || size % known != 0)
                throw new IllegalArgumentException("cannot reshape " + from + " to " + Arrays.toString(dims));
            out[infer] = size / known;
        }
        if (Kernels.size(out) != size) throw new IllegalArgumentException("cannot reshape " + from + " to " + Arrays.toString(dims));
        return out;
    }
}
