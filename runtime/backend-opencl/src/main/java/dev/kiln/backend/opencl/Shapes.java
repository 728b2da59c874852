package dev.kiln.backend.opencl;

import java.util.Arrays;

/** Row-major shape arithmetic done on the host before a launch. */
final class Shapes {
    private Shapes() {}

    static int size(int[] shape) {
        int n = 1;
        for (int d : shape) n *= d;
        return n;
    }

    static int[] strides(int[] shape) {
        int[] s = new int[shape.length];
        int acc = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            s[i] = acc;
            acc *= shape[i];
        }
        return s;
    }

    /** Strides of shape seen through full: 0 on each broadcast (size-1) dimension. */
    static int[] broadcastStrides(int[] shape, int[] full) {
        if (shape.length != full.length)
            throw new IllegalArgumentException("rank mismatch: " + Arrays.toString(shape) + " vs " + Arrays.toString(full));
        int[] s = strides(shape);
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] == 1 && full[i] != 1) s[i] = 0;
            else if (shape[i] != full[i])
                throw new IllegalArgumentException("cannot broadcast " + Arrays.toString(shape) + " to " + Arrays.toString(full));
        }
        return s;
    }
}
