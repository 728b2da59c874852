package dev.kiln.api.quant;

/**
 * Double-quantized block scales (bitsandbytes' {@code compress_statistics}): the 4-bit blocks'
 * absmax values minus their mean ({@code offset}) quantized blockwise with the signed 8-bit
 * {@link DynamicMap}, in blocks of {@link #BLOCKSIZE}, each with its own float32 absmax.
 *
 * <p>Shapes: codes [blocks] (uint8, bitsandbytes' {@code absmax}), absmax [ceil(blocks / 256)]
 * ({@code nested_absmax}); scale(b) = map[codes[b]] · absmax[b / 256] + offset.
 */
public final class NestedAbsmax {
    /** bitsandbytes' nested blocksize. */
    public static final int BLOCKSIZE = 256;

    private final byte[] codes;
    private final float[] absmax;
    private final float offset;

    public NestedAbsmax(byte[] codes, float[] absmax, float offset) {
        if (absmax.length != Blockwise.blocks(codes.length, BLOCKSIZE))
            throw new IllegalArgumentException(codes.length + " nested codes need " + Blockwise.blocks(codes.length, BLOCKSIZE)
                    + " absmax values, got " + absmax.length);
        this.codes = codes;
        this.absmax = absmax;
        this.offset = offset;
    }

    /**
     * Quantizes block scales: offset = their mean (summed in double, rounded to float32), then
     * (scales − offset) blockwise: absmax per 256, scaled = v · (1/absmax) clamped to [-1, 1]
     * (0 for an all-zero block), nearest map code.
     */
    public static NestedAbsmax quantize(float[] scales) {
        double sum = 0;
        for (float s : scales) sum += s;
        float offset = scales.length == 0 ? 0f : (float) (sum / scales.length);
        float[] centered = new float[scales.length];
        for (int i = 0; i < scales.length; i++) centered[i] = scales[i] - offset;
        float[] absmax = Blockwise.absmax(centered, BLOCKSIZE);
        byte[] codes = new byte[scales.length];
        for (int i = 0; i < centered.length; i++)
            codes[i] = (byte) DynamicMap.encode(Blockwise.scale(centered[i], absmax[i / BLOCKSIZE]));
        return new NestedAbsmax(codes, absmax, offset);
    }

    /** The dequantized scale of 4-bit block b. */
    public float scale(int b) { return DynamicMap.value(codes[b]) * absmax[b / BLOCKSIZE] + offset; }

    /** Every dequantized scale: [blocks] */
    public float[] dequantize() {
        float[] out = new float[codes.length];
        for (int b = 0; b < out.length; b++) out[b] = scale(b);
        return out;
    }

    /** [blocks] uint8 codes, the stored array itself. */
    public byte[] codes() { return codes; }

    /** [ceil(blocks / 256)] the stored array itself. */
    public float[] absmax() { return absmax; }

    public float offset() { return offset; }
}
