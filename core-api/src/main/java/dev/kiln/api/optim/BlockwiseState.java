package dev.kiln.api.optim;

/**
 * One optimizer-state array kept in 8 bits, block-wise (bitsandbytes' blockwise quantization): the
 * n values are cut into blocks of 256; each block stores its absolute maximum as a float and each
 * value the index of the nearest dynamic-map entry to value / absmax. Memory: n bytes + 4·⌈n/256⌉.
 */
final class BlockwiseState {
    static final int BLOCK = 256;
    private final float[] code;
    private final byte[] codes;      // [n], unsigned indices into code
    private final float[] absmax;    // [⌈n / 256⌉]

    /** All zeros. */
    BlockwiseState(int n, boolean signed) {
        this.code = DynamicMap.of(signed);
        this.codes = new byte[n];
        this.absmax = new float[blocks(n)];
        java.util.Arrays.fill(codes, (byte) DynamicMap.nearest(code, 0f));
    }

    static int blocks(int n) { return (n + BLOCK - 1) / BLOCK; }

    int size() { return codes.length; }

    long bytes() { return codes.length + 4L * absmax.length; }

    /** Values of block b into out[0 .. len): code[index] · absmax[b]. */
    void dequantize(int b, float[] out) {
        int from = b * BLOCK, len = Math.min(BLOCK, codes.length - from);
        float scale = absmax[b];
        for (int j = 0; j < len; j++) out[j] = code[codes[from + j] & 0xff] * scale;
    }

    /** Stores in[0 .. len) as block b: a new absmax, then the nearest code of each value / absmax. */
    void quantize(int b, float[] in) {
        int from = b * BLOCK, len = Math.min(BLOCK, codes.length - from);
        float max = 0f;
        for (int j = 0; j < len; j++) max = Math.max(max, Math.abs(in[j]));
        absmax[b] = max;
        float inv = max == 0f ? 0f : 1f / max;
        for (int j = 0; j < len; j++) codes[from + j] = (byte) DynamicMap.nearest(code, in[j] * inv);
    }

    // ---- checkpoint form: host float arrays --------------------------------------------------

    /** The codes packed three to a float (each float an exact integer below 2^24): [⌈n / 3⌉]. */
    float[] packedCodes() {
        float[] out = new float[(codes.length + 2) / 3];
        for (int i = 0; i < codes.length; i++) {
            int shifted = (codes[i] & 0xff) << (8 * (i % 3));
            out[i / 3] = (float) ((int) out[i / 3] | shifted);
        }
        return out;
    }

    float[] absmaxCopy() { return absmax.clone(); }

    /** Restores what packedCodes / absmaxCopy returned; the caller has checked the lengths. */
    void load(float[] packed, float[] max) {
        for (int i = 0; i < codes.length; i++) codes[i] = (byte) (((int) packed[i / 3] >>> (8 * (i % 3))) & 0xff);
        System.arraycopy(max, 0, absmax, 0, absmax.length);
    }

    static int packedLength(int n) { return (n + 2) / 3; }
}
