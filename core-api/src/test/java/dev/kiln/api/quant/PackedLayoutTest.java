package dev.kiln.api.quant;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** The byte layout pinned by hand: two codes per byte, the first element in the high nibble. */
class PackedLayoutTest {
    @Test
    void nf4FirstElementInTheHighNibbleAndOddPadWithTheZeroCode() {
        // absmax 1: 1.0 → 15, -1.0 → 0, 0.0 → 7, 0.5 → 12 (below the 0.4407/0.5626 midpoint 0.5017),
        // 0.08 → 8 (0.0796), pad → 7 (the code of 0.0)
        Quantized4Bit q = Quantized4Bit.quantize(new float[] {1.0f, -1.0f, 0.0f, 0.5f, 0.08f}, new int[] {5}, FourBitType.NF4, 64, false);
        assertArrayEquals(new byte[] {(byte) 0xF0, (byte) 0x7C, (byte) 0x87}, q.packed());
        assertArrayEquals(new float[] {1.0f}, q.absmax());
        assertEquals(15, q.code(0));
        assertEquals(0, q.code(1));
        assertEquals(8, q.code(4));
        assertArrayEquals(new float[] {1.0f, -1.0f, 0.0f, 0.44070982933044434f, 0.07958029955625534f}, q.dequantize());
    }

    @Test
    void fp4SignBitAndMagnitudeCodes() {
        // absmax 2 → scaled 1.0, -0.25, 0.3, -0.0: 1.0 → 0b0011, -0.25 → 0b1000|0b0111, 0.3 → 0b0100 (4/12,
        // above the 3/12..4/12 midpoint 0.2917), -0.0 → 0b0000 (not negative)
        Quantized4Bit q = Quantized4Bit.quantize(new float[] {2.0f, -0.5f, 0.6f, -0.0f}, new int[] {2, 2}, FourBitType.FP4, 64, false);
        assertArrayEquals(new byte[] {(byte) 0x3F, (byte) 0x40}, q.packed());
        assertArrayEquals(new float[] {2.0f, -0.5f, 2f * (4f / 12f), 0.0f}, q.dequantize());
    }

    @Test
    void partialLastBlockHasItsOwnScale() {
        float[] x = new float[40];
        for (int i = 0; i < 32; i++) x[i] = 4f;
        for (int i = 32; i < 40; i++) x[i] = -0.5f;
        Quantized4Bit q = Quantized4Bit.quantize(x, new int[] {40}, FourBitType.NF4, 32, false);
        assertArrayEquals(new float[] {4f, 0.5f}, q.absmax());
        assertEquals(20, q.packed().length);
        assertEquals((byte) 0xFF, q.packed()[0]);
        assertEquals((byte) 0x00, q.packed()[19]);
        assertEquals(-0.5f, q.dequantize()[39]);
    }

    @Test
    void blocksizeOutsidePowersOfTwoFrom32To4096IsRejected() {
        for (int bs : new int[] {16, 48, 8192}) {
            var e = assertThrows(IllegalArgumentException.class, () -> Quantized4Bit.quantize(new float[4], new int[] {4}, FourBitType.NF4, bs, false));
            assertTrue(e.getMessage().contains("blocksize"), e.getMessage());
        }
    }

    @Test
    void doubleQuantRoundTripStaysCloseToTheFloatScales() {
        java.util.Random rng = new java.util.Random(3);
        float[] x = new float[64 * 700 + 9];
        for (int i = 0; i < x.length; i++) x[i] = (float) rng.nextGaussian() * 0.02f;
        Quantized4Bit plain = Quantized4Bit.quantize(x, new int[] {x.length}, FourBitType.NF4, 64, false);
        Quantized4Bit dq = Quantized4Bit.quantize(x, new int[] {x.length}, FourBitType.NF4, 64, true);
        assertArrayEquals(plain.packed(), dq.packed(), "the codes come from the float scales either way");
        float[] scales = plain.absmax(), back = dq.nested().dequantize();
        assertEquals(3, dq.nested().absmax().length, "701 scales in nested blocks of 256");
        float spread = 0;
        for (float s : scales) spread = Math.max(spread, Math.abs(s - dq.nested().offset()));
        for (int b = 0; b < scales.length; b++)
            assertEquals(scales[b], back[b], spread / 127f + 1e-7f, "scale " + b);   // 8-bit dynamic map step near 1
        assertTrue(dq.storedBytes() < plain.storedBytes(), dq.storedBytes() + " vs " + plain.storedBytes());
    }
}
