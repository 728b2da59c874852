package dev.kiln.api.ops;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.BinaryOp;
import dev.kiln.api.backend.UnaryOp;
import dev.kiln.api.tensor.Storage;
import dev.kiln.api.tensor.Tensor;

/** Allocate-and-run shorthands over backend primitives, for use inside ops. */
final class Kernels {
    private Kernels() {}

    static Storage binary(Backend be, BinaryOp op, Storage a, int[] as, Storage b, int[] bs, int[] os) {
        Storage out = be.allocateUninitialized(size(os));
        be.binary(op, a, as, b, bs, out, os);
        return out;
    }

    static Storage unary(Backend be, UnaryOp op, Storage x, int n, float param) {
        Storage out = be.allocateUninitialized(n);
        be.unary(op, x, out, n, param);
        return out;
    }

    /** g (shape gShape, same rank) broadcast up to shape. */
    static Storage broadcast(Backend be, Storage g, int[] gShape, int[] shape) {
        Storage one = be.allocate(1);
        be.fill(one, 0, 1, 1f);
        int[] ones = new int[shape.length];
        java.util.Arrays.fill(ones, 1);
        Storage out = binary(be, BinaryOp.MUL, g, gShape, one, ones, shape);
        be.release(one);
        return out;
    }

    /** t's gradient to accumulate into, or a scratch storage of its size when t needs none (release it after). */
    static Storage gradOrScratch(Tensor t) {
        return t.requiresGrad() ? t.gradForAccumulation() : t.backend().allocate(t.size());
    }

    /** Gives an op's scratch storages back to the backend once it is done with them (nulls skipped). */
    static void release(Backend be, Storage... scratch) {
        for (Storage s : scratch) if (s != null) be.release(s);
    }

    /** dst += src, element-wise, same size. */
    static void accumulate(Backend be, Storage src, Storage dst, int n) {
        int[] s = {n};
        be.reduceSumTo(src, s, dst, s, true);
    }

    static int size(int[] dims) {
        int n = 1;
        for (int d : dims) n *= d;
        return n;
    }
}
