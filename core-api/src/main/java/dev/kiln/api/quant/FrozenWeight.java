package dev.kiln.api.quant;

/**
 * A frozen weight stored in a compressed form (4-bit {@link Quantized4Bit}, {@link Bf16Weight}) that
 * {@link dev.kiln.api.ops.QuantizedMatMul} decodes a tile of elements at a time, so no fp32 copy of the
 * whole weight exists. Elements are in row-major order of {@link #shape()}.
 */
public interface FrozenWeight {
    /** The logical shape, e.g. [out, in] for a Linear. */
    int[] shape();

    /** Decodes elements [from, from + count) into dst[dstOffset, dstOffset + count). */
    void dequantize(long from, int count, float[] dst, int dstOffset);

    /** Every element decoded (a full fp32 copy: for merges and exports, not for the forward pass). */
    float[] dequantize();

    /** Bytes held by the compressed form. */
    long storedBytes();

    /** The storage format's name in configs and messages: nf4, fp4, bf16. */
    String format();
}
