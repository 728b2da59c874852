package dev.kiln.api.quant;

import java.util.Arrays;

/**
 * bitsandbytes' signed 8-bit dynamic map ({@code create_dynamic_map(signed=True)}, 7 exponent bits):
 * for i in 0..6, the 2^i means of neighbouring points of linspace(0.1, 1, 2^i + 1) times 10^(i-6),
 * both signs, plus 0 and 1: 256 sorted values in [-1, 1]. Computed in float32 as torch does
 * (linspace: start + i·step for the first half, end − (steps−1−i)·step after).
 * Double quantization codes the absmax statistics with it.
 */
public final class DynamicMap {
    private static final float[] CODE = build();
    private static final float[] MIDS = midpoints(CODE);

    private DynamicMap() {}

    /** A copy of the 256 values, bitsandbytes' {@code nested_quant_map}. */
    public static float[] table() { return CODE.clone(); }

    public static float value(int code) { return CODE[code & 0xFF]; }

    /** The nearest code (0..255) of a value in [-1, 1]: strictly above a midpoint takes the upper code. */
    public static int encode(float s) {
        int lo = 0, hi = MIDS.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (s > MIDS[mid]) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }

    private static float[] build() {
        float[] data = new float[256];
        int k = 0;
        for (int i = 0; i < 7; i++) {
            float[] b = linspace(0.1f, 1f, (1 << i) + 1);
            float p = (float) Math.pow(10, -6 + i);
            for (int j = 0; j + 1 < b.length; j++) {
                float mean = (b[j] + b[j + 1]) / 2f;
                data[k++] = p * mean;
                data[k++] = -p * mean;
            }
        }
        data[k++] = 0f;
        data[k++] = 1f;
        if (k != 256) throw new AssertionError("dynamic map has " + k + " values");
        Arrays.sort(data);
        return data;
    }

    /** torch.linspace in float32. */
    private static float[] linspace(float start, float end, int steps) {
        float step = (end - start) / (float) (steps - 1);
        int half = steps / 2;
        float[] out = new float[steps];
        for (int i = 0; i < steps; i++) out[i] = i < half ? start + step * i : end - step * (steps - 1 - i);
        return out;
    }

    private static float[] midpoints(float[] sorted) {
        float[] m = new float[sorted.length - 1];
        for (int i = 0; i < m.length; i++) m[i] = (sorted[i] + sorted[i + 1]) * 0.5f;
        return m;
    }
}
