package dev.kiln.api.quant;

import java.util.Locale;

/**
 * The two 4-bit data types of bitsandbytes ({@code get_4bit_type}): NF4, the 16 QLoRA normal-float
 * levels in [-1, 1] (index = code), and FP4, bitsandbytes' sign + 2 exponent + 1 mantissa bits
 * ({@code [0, .0625, 8, 12, 4, 6, 2, 3]} and their negatives) divided by 12.
 *
 * <p>{@link #encode} picks the nearest code by the midpoints between neighbouring codes, strictly
 * above a midpoint taking the upper one, as the CUDA kernel's decision trees do: NF4 over the signed
 * value, FP4 as a sign bit (0b1000 when x &lt; 0) plus the magnitude code of |x|.
 */
public enum FourBitType {
    NF4(new float[] {-1.0f, -0.6961928009986877f, -0.5250730514526367f, -0.39491748809814453f,
            -0.28444138169288635f, -0.18477343022823334f, -0.09105003625154495f, 0.0f,
            0.07958029955625534f, 0.16093020141124725f, 0.24611230194568634f, 0.33791524171829224f,
            0.44070982933044434f, 0.5626170039176941f, 0.7229568362236023f, 1.0f}),
    FP4(fp4Table());

    private final float[] code;
    /** NF4: the 15 midpoints of the table; FP4: the 7 midpoints of the sorted magnitudes. */
    private final float[] mids;
    /** FP4: magnitude codes (0..7) in increasing value. */
    private final int[] magnitudeOrder;

    FourBitType(float[] code) {
        this.code = code;
        if (code[0] < 0) {  // NF4: sorted
            this.magnitudeOrder = null;
            this.mids = midpoints(code);
        } else {
            Integer[] order = {0, 1, 2, 3, 4, 5, 6, 7};
            java.util.Arrays.sort(order, (a, b) -> Float.compare(code[a], code[b]));
            this.magnitudeOrder = new int[8];
            float[] sorted = new float[8];
            for (int i = 0; i < 8; i++) {
                magnitudeOrder[i] = order[i];
                sorted[i] = code[order[i]];
            }
            this.mids = midpoints(sorted);
        }
    }

    private static float[] fp4Table() {
        float[] raw = {0f, 0.0625f, 8f, 12f, 4f, 6f, 2f, 3f, -0f, -0.0625f, -8f, -12f, -4f, -6f, -2f, -3f};
        for (int i = 0; i < raw.length; i++) raw[i] = raw[i] / 12f;
        return raw;
    }

    private static float[] midpoints(float[] sorted) {
        float[] m = new float[sorted.length - 1];
        for (int i = 0; i < m.length; i++) m[i] = (sorted[i] + sorted[i + 1]) * 0.5f;
        return m;
    }

    /** The value of a 4-bit code (0..15). */
    public float value(int nibble) { return code[nibble]; }

    /** A copy of the 16-entry table, bitsandbytes' {@code quant_map}. */
    public float[] table() { return code.clone(); }

    /** The code of a value scaled into [-1, 1]. */
    public int encode(float s) {
        if (magnitudeOrder == null) return countAbove(s);
        int sign = s < 0 ? 8 : 0;
        return sign | magnitudeOrder[countAbove(Math.abs(s))];
    }

    /** How many midpoints s lies strictly above (a binary search: mids are sorted). */
    private int countAbove(float s) {
        int lo = 0, hi = mids.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (s > mids[mid]) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }

    /** {@code nf4} / {@code fp4}, bitsandbytes' {@code quant_type}. */
    public String key() { return name().toLowerCase(Locale.ROOT); }

    public static FourBitType parse(String key) {
        for (FourBitType t : values()) if (t.key().equals(key)) return t;
        throw new IllegalArgumentException("unknown 4-bit type '" + key + "' (nf4 or fp4)");
    }
}
