package dev.kiln.api.quant;

import dev.kiln.api.io.HalfFloats;

import java.util.Arrays;

/**
 * A frozen weight stored as bfloat16 (PyTorch's {@code torch_dtype=bfloat16} base for LoRA): 2 bytes per
 * element, each value the float rounded to nearest-even bf16 ({@link HalfFloats#floatToBf16}), widened
 * back exactly ({@link HalfFloats#bf16ToFloat}) a tile at a time inside the matmul.
 */
public final class Bf16Weight implements FrozenWeight {
    private final int[] shape;
    private final short[] bits;

    private Bf16Weight(int[] shape, short[] bits) {
        this.shape = shape.clone();
        this.bits = bits;
    }

    /** values (row-major over shape) rounded to bf16. */
    public static Bf16Weight of(float[] values, int[] shape) {
        long n = 1;
        for (int d : shape) n *= d;
        if (n != values.length) throw new IllegalArgumentException("bf16 weight: " + values.length + " values for shape " + Arrays.toString(shape));
        short[] b = new short[values.length];
        for (int i = 0; i < b.length; i++) b[i] = (short) HalfFloats.floatToBf16(values[i]);
        return new Bf16Weight(shape, b);
    }

    @Override
    public int[] shape() { return shape.clone(); }

    @Override
    public void dequantize(long from, int count, float[] dst, int dstOffset) {
        if (from < 0 || count < 0 || from + count > bits.length)
            throw new IndexOutOfBoundsException("bf16 elements [" + from + ", " + (from + count) + ") of " + bits.length);
        int f = (int) from;
        for (int i = 0; i < count; i++) dst[dstOffset + i] = Float.intBitsToFloat(bits[f + i] << 16);
    }

    @Override
    public float[] dequantize() {
        float[] out = new float[bits.length];
        dequantize(0, bits.length, out, 0);
        return out;
    }

    @Override
    public long storedBytes() { return 2L * bits.length; }

    @Override
    public String format() { return "bf16"; }

    /** The raw bf16 bits, row-major. */
    public short[] bits() { return bits; }
}
