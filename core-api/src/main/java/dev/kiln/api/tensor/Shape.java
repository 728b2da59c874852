package dev.kiln.api.tensor;

import java.util.Arrays;

/** Immutable tensor dimensions (row-major, contiguous). */
public final class Shape {
    private final int[] dims;
    private final int size;

    private Shape(int[] dims) {
        long n = 1;
        for (int d : dims) {
            if (d < 0) throw new IllegalArgumentException("negative dimension in " + Arrays.toString(dims));
            n *= d;
        }
        if (n > Integer.MAX_VALUE) throw new IllegalArgumentException("tensor too large: " + Arrays.toString(dims));
        this.dims = dims;
        this.size = (int) n;
    }

    public static Shape of(int... dims) {
        return new Shape(dims.clone());
    }

    public int rank() { return dims.length; }

    public int size() { return size; }

    /** Dimension i; negative i counts from the end. */
    public int dim(int i) { return dims[axis(i)]; }

    public int[] dims() { return dims.clone(); }

    /** Normalizes a possibly negative axis and checks it. */
    public int axis(int i) {
        int a = i < 0 ? i + dims.length : i;
        if (a < 0 || a >= dims.length)
            throw new IllegalArgumentException("axis " + i + " out of range for shape " + this);
        return a;
    }

    /** Row-major strides. */
    public int[] strides() {
        int[] s = new int[dims.length];
        int acc = 1;
        for (int i = dims.length - 1; i >= 0; i--) {
            s[i] = acc;
            acc *= dims[i];
        }
        return s;
    }

    /** Product of dimensions [from, to). */
    public int prod(int from, int to) {
        int p = 1;
        for (int i = from; i < to; i++) p *= dims[i];
        return p;
    }

    /** The same dims left-padded with ones to the given rank. */
    public int[] padTo(int rank) {
        int[] out = new int[rank];
        Arrays.fill(out, 1);
        System.arraycopy(dims, 0, out, rank - dims.length, dims.length);
        return out;
    }

    /** Numpy broadcasting of two shapes, or an error naming both. */
    public static Shape broadcast(Shape a, Shape b) {
        int r = Math.max(a.rank(), b.rank());
        int[] pa = a.padTo(r), pb = b.padTo(r), out = new int[r];
        for (int i = 0; i < r; i++) {
            if (pa[i] == pb[i] || pb[i] == 1) out[i] = pa[i];
            else if (pa[i] == 1) out[i] = pb[i];
            else throw new IllegalArgumentException("shapes " + a + " and " + b + " do not broadcast");
        }
        return new Shape(out);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Shape s && Arrays.equals(dims, s.dims);
    }

    @Override
    public int hashCode() { return Arrays.hashCode(dims); }

    @Override
    public String toString() { return Arrays.toString(dims); }
}
