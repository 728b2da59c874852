package dev.kiln.api.backend;

/** Row-major index arithmetic for backends: sizes, strides, broadcast strides, multi-index stepping. */
public final class RowMajor {
    private RowMajor() {}

    public static int size(int[] shape) {
        int n = 1;
        for (int d : shape) n *= d;
        return n;
    }

    public static int[] strides(int[] shape) {
        int[] s = new int[shape.length];
        int acc = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            s[i] = acc;
            acc *= shape[i];
        }
        return s;
    }

    /** Strides of {@code shape} seen through {@code full}: 0 on each broadcast (size-1) dimension. */
    public static int[] broadcastStrides(int[] shape, int[] full) {
        if (shape.length != full.length)
            throw new IllegalArgumentException("rank mismatch: " + java.util.Arrays.toString(shape)
                    + " vs " + java.util.Arrays.toString(full));
        int[] s = strides(shape);
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] == 1 && full[i] != 1) s[i] = 0;
            else if (shape[i] != full[i])
                throw new IllegalArgumentException("cannot broadcast " + java.util.Arrays.toString(shape)
                        + " to " + java.util.Arrays.toString(full));
        }
        return s;
    }

    /** Advances a row-major multi-index by one. */
    public static void increment(int[] idx, int[] shape) {
        for (int d = idx.length - 1; d >= 0; d--) {
            if (++idx[d] < shape[d]) return;
            idx[d] = 0;
        }
    }
}
