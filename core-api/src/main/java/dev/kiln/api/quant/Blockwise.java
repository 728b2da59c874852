package dev.kiln.api.quant;

/** Shared pieces of blockwise absmax quantization (4-bit weights and 8-bit nested scales). */
final class Blockwise {
    private Blockwise() {}

    /** ceil(n / blocksize): the last, partial block counts. */
    static int blocks(long n, int blocksize) { return (int) ((n + blocksize - 1) / blocksize); }

    /** max |x| per block of consecutive elements: [blocks(x.length)] */
    static float[] absmax(float[] x, int blocksize) {
        float[] out = new float[blocks(x.length, blocksize)];
        for (int i = 0; i < x.length; i++) {
            float a = Math.abs(x[i]);
            int b = i / blocksize;
            if (a > out[b]) out[b] = a;
        }
        return out;
    }

    /** v · (1/absmax) in float32 clamped to [-1, 1], as bitsandbytes scales; 0 for a zero block. */
    static float scale(float v, float absmax) {
        if (absmax == 0f) return 0f;
        float s = v * (1f / absmax);
        return s > 1f ? 1f : (s < -1f ? -1f : s);
    }
}
