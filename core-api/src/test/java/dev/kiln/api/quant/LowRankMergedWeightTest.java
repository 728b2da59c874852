package dev.kiln.api.quant;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** A LoRA update merged into a 4-bit weight without decoding it equals decoding first and adding, in any tile. */
class LowRankMergedWeightTest {

    @Test
    void decodesToTheBaseFloatsPlusTheUpdateInEveryRange() {
        int out = 7, in = 45, rank = 3;
        Random rng = new Random(5);
        float[] w = new float[out * in], a = new float[rank * in], b = new float[out * rank];
        for (int i = 0; i < w.length; i++) w[i] = (float) rng.nextGaussian();
        for (int i = 0; i < a.length; i++) a[i] = (float) rng.nextGaussian();
        for (int i = 0; i < b.length; i++) b[i] = i % 4 == 0 ? 0f : (float) rng.nextGaussian();   // zero entries are skipped
        Quantized4Bit base = Quantized4Bit.quantize(w, new int[] {out, in}, FourBitType.NF4, 64, true);
        double scale = 16.0 / 8;
        LowRankMergedWeight merged = new LowRankMergedWeight(base, a, b, rank, scale);

        float[] want = base.dequantize();                    // as LoraLayer merges into floats: per row in double
        for (int o = 0; o < out; o++)
            for (int c = 0; c < in; c++) {
                double s = 0;
                for (int k = 0; k < rank; k++) if (b[o * rank + k] != 0) s += (double) b[o * rank + k] * a[k * in + c];
                want[o * in + c] += (float) (scale * s);
            }
        assertArrayEquals(want, merged.dequantize());
        assertFalse(Arrays.equals(base.dequantize(), merged.dequantize()), "the update changes the weight");
        for (int[] r : new int[][] {{0, 1}, {3, 50}, {44, 2}, {45, 45}, {100, 215}, {0, out * in}}) {
            float[] got = new float[r[1] + 2];
            merged.dequantize(r[0], r[1], got, 2);
            assertArrayEquals(Arrays.copyOfRange(want, r[0], r[0] + r[1]), Arrays.copyOfRange(got, 2, got.length),
                    "elements [" + r[0] + ", " + (r[0] + r[1]) + ")");
        }
        assertArrayEquals(new int[] {out, in}, merged.shape());
        assertEquals(base.storedBytes() + 4L * (a.length + b.length), merged.storedBytes());
        assertSame(base, merged.base());
        assertThrows(IllegalArgumentException.class, () -> new LowRankMergedWeight(base, a, b, rank + 1, scale));
    }

    @Test
    void updatesComeOffALinearInReverseOrderBackToTheExactBase() {
        dev.kiln.api.nn.Linear l = new dev.kiln.api.nn.Linear(new dev.kiln.api.backend.NaiveBackend(), new Random(2), 40, 6, false, 0.5f);
        l.weight().requiresGrad(false);
        l.quantize(FourBitType.NF4, 64, false);
        FrozenWeight base = l.frozenWeight();
        float[] a = new float[40], b = new float[6];
        java.util.Arrays.fill(a, 0.25f);
        java.util.Arrays.fill(b, 1f);
        LowRankMergedWeight first = l.mergeLowRank(a, b, 1, 1.0), second = l.mergeLowRank(a, b, 1, 2.0);
        assertSame(second, l.frozenWeight());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> l.unmergeLowRank(first));
        assertTrue(e.getMessage().contains("unmerge the later ones first"), e.getMessage());
        l.unmergeLowRank(second);
        l.unmergeLowRank(first);
        assertSame(base, l.frozenWeight(), "back to the 4-bit weight itself, no rounding");
    }
}
