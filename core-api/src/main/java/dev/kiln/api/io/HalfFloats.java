package dev.kiln.api.io;

/**
 * Conversions from the narrow floating formats a checkpoint may hold to {@code float}, and from
 * {@code float} to F16 and BF16 (round to nearest, ties to even, as PyTorch's {@code .to()}):
 * IEEE half ({@code F16}), bfloat16 ({@code BF16}) and the two 8-bit formats
 * ({@code F8_E5M2}, {@code F8_E4M3} in its "fn" variant: no infinities, one NaN pattern).
 * Java 17 has no {@code Float.float16ToFloat}; F16 goes through a 64 Ki-entry table.
 */
public final class HalfFloats {
    private HalfFloats() {}

    private static final class F16Table {
        static final float[] TABLE = new float[1 << 16];
        static {
            for (int h = 0; h < TABLE.length; h++) TABLE[h] = computeF16(h);
        }
    }

    /** The float value of the IEEE half-precision bits in the low 16 bits of {@code bits}. */
    public static float f16ToFloat(int bits) {
        return F16Table.TABLE[bits & 0xffff];
    }

    /** The float value of the bfloat16 bits in the low 16 bits of {@code bits} (exact). */
    public static float bf16ToFloat(int bits) {
        return Float.intBitsToFloat((bits & 0xffff) << 16);
    }

    /** F8 E5M2 is the top byte of an F16. */
    public static float f8e5m2ToFloat(int bits) {
        return f16ToFloat((bits & 0xff) << 8);
    }

    /** F8 E4M3 "fn": bias 7, no infinities, S.1111.111 is NaN. */
    public static float f8e4m3ToFloat(int bits) {
        int sign = (bits >>> 7) & 1;
        int exp = (bits >>> 3) & 0xf;
        int mant = bits & 0x7;
        float v;
        if (exp == 0xf && mant == 0x7) {
            return Float.NaN;
        } else if (exp == 0) {
            v = mant * 0x1p-9f;
        } else {
            v = Math.scalb(1f + mant / 8f, exp - 7);
        }
        return sign == 1 ? -v : v;
    }

    /** The bfloat16 bits (low 16 bits) nearest to {@code f}; NaN stays a quiet NaN. */
    public static int floatToBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) return ((bits >>> 16) | 0x40) & 0xffff;
        return ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16) & 0xffff;
    }

    /** The IEEE half bits (low 16 bits) nearest to {@code f}: beyond the largest half it is infinity, below the smallest subnormal 0. */
    public static int floatToF16(float f) {
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 16) & 0x8000, exp = (bits >>> 23) & 0xff, mant = bits & 0x7fffff;
        if (exp == 0xff) return sign | 0x7c00 | (mant != 0 ? 0x200 : 0);
        int e = exp - 127 + 15;
        if (e >= 0x1f) return sign | 0x7c00;
        if (e <= 0) {                                   // a half subnormal: mantissa = value / 2^-24
            if (e < -10) return sign;
            int full = mant | 0x800000, shift = 14 - e;
            return sign | roundShift(full, shift);      // a carry into the exponent field is the right answer
        }
        return (sign | (e << 10)) + roundShift(mant, 13);  // a carry out of the mantissa steps the exponent (to infinity at the top)
    }

    /** {@code v >> shift}, rounded to nearest, ties to even. */
    private static int roundShift(int v, int shift) {
        int q = v >>> shift, rem = v & ((1 << shift) - 1), half = 1 << (shift - 1);
        return rem > half || (rem == half && (q & 1) == 1) ? q + 1 : q;
    }

    private static float computeF16(int h) {
        int sign = (h >>> 15) & 1;
        int exp = (h >>> 10) & 0x1f;
        int mant = h & 0x3ff;
        if (exp == 0) {
            float v = mant * 0x1p-24f;   // zero or subnormal: mant * 2^-14 / 1024
            return sign == 1 ? -v : v;
        }
        int bits = sign << 31;
        if (exp == 0x1f) {
            bits |= 0x7f800000 | (mant << 13);   // infinity or NaN (payload kept)
        } else {
            bits |= ((exp - 15 + 127) << 23) | (mant << 13);
        }
        return Float.intBitsToFloat(bits);
    }
}
