package dev.kiln.api.optim;

import java.util.Arrays;

/**
 * The 8-bit dynamic data type of Dettmers' 8-bit optimizers (bitsandbytes' dynamic map): 256 sorted
 * values in [-1, 1] (signed) or [0, 1] (unsigned) whose spacing follows a decimal exponent, so small
 * magnitudes keep relative precision after a block is scaled by its absolute maximum. Exponent e
 * (10^-6 … 10^0) gets the midpoints of an even split of [0.1, 1]: 2^e of them per sign for the signed
 * map, 2^(e+1) for the unsigned one, whose bit would otherwise hold the sign; plus 0 and 1.
 */
public final class DynamicMap {
    private static final int EXPONENTS = 7;
    private static final float[] SIGNED = create(true), UNSIGNED = create(false);

    private DynamicMap() {}

    /** The shared code table (do not modify): signed for first moments, unsigned for second moments. */
    public static float[] of(boolean signed) { return signed ? SIGNED : UNSIGNED; }

    /** A fresh 256-entry table, ascending. */
    static float[] create(boolean signed) {
        float[] out = new float[256];
        int k = 0;
        for (int e = 0; e < EXPONENTS; e++) {
            int intervals = signed ? 1 << e : 1 << (e + 1);
            double scale = Math.pow(10, e - (EXPONENTS - 1));
            for (int j = 0; j < intervals; j++) {
                // midpoint of the j-th of `intervals` equal parts of [0.1, 1]
                double lo = 0.1 + 0.9 * j / intervals, hi = 0.1 + 0.9 * (j + 1) / intervals;
                float v = (float) (scale * (lo + hi) / 2);
                out[k++] = v;
                if (signed) out[k++] = -v;
            }
        }
        out[k++] = 0f;
        out[k++] = 1f;
        if (k != 256) throw new IllegalStateException("dynamic map has " + k + " values");
        Arrays.sort(out);
        return out;
    }

    /** Index of the code value nearest to x (ties to the lower one); code ascending. */
    public static int nearest(float[] code, float x) {
        int lo = 0, hi = code.length - 1;
        if (x <= code[lo]) return lo;
        if (x >= code[hi]) return hi;
        while (hi - lo > 1) {                  // invariant: code[lo] < x < code[hi] or equal at an end
            int mid = (lo + hi) >>> 1;
            if (code[mid] <= x) lo = mid; else hi = mid;
        }
        return x - code[lo] <= code[hi] - x ? lo : hi;
    }
}
