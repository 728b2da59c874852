package dev.kiln.api.io;

import java.util.Arrays;

/**
 * One tensor's entry in a safetensors header: its element type, shape, and byte range
 * {@code [begin, end)} relative to the start of the data buffer (after the header).
 * Instances are validated: {@code end - begin == numel * dtype.byteSize()}.
 */
public record TensorInfo(String name, DType dtype, long[] shape, long begin, long end) {

    public TensorInfo {
        shape = shape.clone();
    }

    /** A copy of the shape. */
    @Override
    public long[] shape() { return shape.clone(); }

    /** Number of dimensions (0 for a scalar). */
    public int rank() { return shape.length; }

    /** Number of elements: the product of the dimensions (1 for a scalar). */
    public long numel() {
        long n = 1;
        for (long d : shape) n = Math.multiplyExact(n, d);
        return n;
    }

    /** Bytes in the data buffer. */
    public long byteLength() { return end - begin; }

    /** The shape as ints, for tensors that fit Java arrays; throws if a dimension does not fit. */
    public int[] intShape() {
        int[] out = new int[shape.length];
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] > Integer.MAX_VALUE) {
                throw new ArithmeticException("tensor '" + name + "': dimension " + i + " = " + shape[i] + " does not fit an int");
            }
            out[i] = (int) shape[i];
        }
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorInfo t && name.equals(t.name) && dtype == t.dtype
                && Arrays.equals(shape, t.shape) && begin == t.begin && end == t.end;
    }

    @Override
    public int hashCode() {
        return (name.hashCode() * 31 + dtype.hashCode()) * 31 + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return name + " " + dtype + Arrays.toString(shape) + " @[" + begin + ", " + end + ")";
    }
}
