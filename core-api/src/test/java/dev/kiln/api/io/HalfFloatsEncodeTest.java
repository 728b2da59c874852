package dev.kiln.api.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** float → F16 / BF16 picks the nearest representable value, ties to the even one, checked against a brute-force search. */
class HalfFloatsEncodeTest {

    @Test
    void f16IsTheNearestHalfTiesToEven() {
        Random rng = new Random(3);
        for (int i = 0; i < 60_000; i++) {
            float f = i < 30_000 ? Float.intBitsToFloat(rng.nextInt()) : (float) (rng.nextGaussian() * Math.pow(2, rng.nextInt(40) - 28));
            if (Float.isNaN(f)) {
                assertTrue(Float.isNaN(HalfFloats.f16ToFloat(HalfFloats.floatToF16(f))));
                continue;
            }
            assertEquals(nearestF16(f), HalfFloats.floatToF16(f), "f16 of " + f);
        }
        assertEquals(0x3c00, HalfFloats.floatToF16(1f));
        assertEquals(0x7c00, HalfFloats.floatToF16(65520f), "halfway above the largest half rounds to infinity");
        assertEquals(0x7bff, HalfFloats.floatToF16(65519f));
        assertEquals(0x0001, HalfFloats.floatToF16(0x1p-24f));
        assertEquals(0x0000, HalfFloats.floatToF16(0x1p-25f), "a tie between 0 and the smallest subnormal goes to even 0");
    }

    @Test
    void bf16IsTheNearestTiesToEven() {
        Random rng = new Random(4);
        for (int i = 0; i < 100_000; i++) {
            float f = Float.intBitsToFloat(rng.nextInt());
            if (Float.isNaN(f) || Math.abs(f) > HalfFloats.bf16ToFloat(0x7f7f)) continue;   // beyond the largest bf16: checked below
            int got = HalfFloats.floatToBf16(f);
            double d = f, best = Math.abs(HalfFloats.bf16ToFloat(got) - d);
            for (int n : new int[] {got - 1, got + 1}) {
                if ((n & 0x8000) != (got & 0x8000) || Float.isNaN(HalfFloats.bf16ToFloat(n & 0xffff))) continue;   // the other sign's ±0 is no closer
                double other = Math.abs((double) HalfFloats.bf16ToFloat(n & 0xffff) - d);
                assertTrue(other > best || (other == best && (got & 1) == 0), f + " → " + Integer.toHexString(got));
            }
        }
        assertEquals(0x3f80, HalfFloats.floatToBf16(1f));
        assertEquals(0x7f80, HalfFloats.floatToBf16(Float.MAX_VALUE), "past the largest bf16 and its half ulp: infinity, as in PyTorch");
        assertEquals(0x7f7f, HalfFloats.floatToBf16(HalfFloats.bf16ToFloat(0x7f7f)));
    }

    /** The half whose value is nearest to f (ties: even bits), by scanning the neighbours of a truncation. */
    private static int nearestF16(float f) {
        int sign = f < 0 || (f == 0 && 1 / f < 0) ? 0x8000 : 0;
        double a = Math.abs((double) f);
        int best = -1;
        double bestErr = Double.POSITIVE_INFINITY;
        for (int h = 0; h <= 0x7c00; h++) {                       // every finite magnitude, and infinity
            double v = HalfFloats.f16ToFloat(h);
            double err = h == 0x7c00 ? (a >= 65520 ? 0 : Double.POSITIVE_INFINITY) : Math.abs(v - a);
            if (err < bestErr || (err == bestErr && (h & 1) == 0)) {
                bestErr = err;
                best = h;
            }
            if (v > a && h != 0x7c00 && err > bestErr) break;
        }
        return sign | best;
    }
}
