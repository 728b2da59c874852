package dev.kiln.api.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * One tensor to be written by {@link SafetensorsWriter}: a dtype, a shape, and row-major data.
 * F32, I32 and I64 come from Java arrays; {@link #raw} takes already-encoded little-endian bytes
 * of any dtype. The arrays are not copied: do not change them until the write returns.
 */
public final class TensorData {
    private final DType dtype;
    private final long[] shape;
    private final Object data;

    private TensorData(DType dtype, long[] shape, Object data, long length) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            n = Math.multiplyExact(n, d);
        }
        if (n != length) {
            throw new IllegalArgumentException(dtype + " shape " + Arrays.toString(shape) + " has " + n
                    + " elements but the data has " + length);
        }
        this.dtype = dtype;
        this.shape = shape;
        this.data = data;
    }

    public static TensorData f32(int[] shape, float[] data) {
        return new TensorData(DType.F32, toLong(shape), data, data.length);
    }

    public static TensorData i32(int[] shape, int[] data) {
        return new TensorData(DType.I32, toLong(shape), data, data.length);
    }

    public static TensorData i64(int[] shape, long[] data) {
        return new TensorData(DType.I64, toLong(shape), data, data.length);
    }

    /** Floats stored as {@code dtype}: F32, or F16 / BF16 rounded to nearest (ties to even). */
    public static TensorData floats(DType dtype, int[] shape, float[] data) {
        if (dtype == DType.F32) return f32(shape, data);
        if (dtype != DType.F16 && dtype != DType.BF16) throw new IllegalArgumentException("floats are stored as F32, F16 or BF16, not " + dtype);
        byte[] out = new byte[2 * data.length];
        for (int i = 0; i < data.length; i++) {
            int h = dtype == DType.F16 ? HalfFloats.floatToF16(data[i]) : HalfFloats.floatToBf16(data[i]);
            out[2 * i] = (byte) h;
            out[2 * i + 1] = (byte) (h >>> 8);
        }
        return raw(dtype, toLong(shape), out);
    }

    /** Pre-encoded little-endian bytes; their length must be {@code numel * dtype.byteSize()}. */
    public static TensorData raw(DType dtype, long[] shape, byte[] littleEndian) {
        if (littleEndian.length % dtype.byteSize() != 0) {
            throw new IllegalArgumentException(littleEndian.length + " bytes are not a whole number of " + dtype + " elements");
        }
        return new TensorData(dtype, shape.clone(), littleEndian, littleEndian.length / dtype.byteSize());
    }

    /**
     * F32 values made only when the tensor is written ({@code values} is called once, during the write, and
     * its array dropped after): a file of many large tensors can be written without holding them all.
     */
    public static TensorData lazyF32(int[] shape, java.util.function.Supplier<float[]> values) {
        long[] s = toLong(shape);
        long n = 1;
        for (long d : s) n = Math.multiplyExact(n, d);
        return new TensorData(DType.F32, s, values, n);
    }

    public static TensorData of(NamedTensor t) {
        return f32(t.shape(), t.data());
    }

    public DType dtype() { return dtype; }

    public long[] shape() { return shape.clone(); }

    public long numel() {
        long n = 1;
        for (long d : shape) n *= d;
        return n;
    }

    public long byteLength() { return numel() * dtype.byteSize(); }

    /** Writes the little-endian bytes, staging through {@code scratch} (a multiple of 8 bytes). */
    void writeTo(OutputStream out, ByteBuffer scratch) throws IOException {
        if (data instanceof byte[] b) {
            out.write(b);
            return;
        }
        Object values = data;
        if (data instanceof java.util.function.Supplier<?> lazy) {
            values = lazy.get();
            if (!(values instanceof float[] f) || f.length != numel())
                throw new IllegalStateException("lazy F32 tensor " + Arrays.toString(shape) + " produced "
                        + (values instanceof float[] f2 ? f2.length + " values, expected " + numel() : String.valueOf(values)));
        }
        scratch.order(ByteOrder.LITTLE_ENDIAN);
        int per = scratch.capacity() / dtype.byteSize();
        int len = (int) numel();
        for (int at = 0; at < len; at += per) {
            int n = Math.min(per, len - at);
            scratch.clear();
            if (values instanceof float[] f) scratch.asFloatBuffer().put(f, at, n);
            else if (values instanceof int[] i) scratch.asIntBuffer().put(i, at, n);
            else if (values instanceof long[] l) scratch.asLongBuffer().put(l, at, n);
            else throw new AssertionError(values.getClass());
            out.write(scratch.array(), 0, n * dtype.byteSize());
        }
    }

    private static long[] toLong(int[] shape) {
        long[] out = new long[shape.length];
        for (int i = 0; i < shape.length; i++) out[i] = shape[i];
        return out;
    }

    @Override
    public String toString() {
        return dtype + Arrays.toString(shape);
    }
}
