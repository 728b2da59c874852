package dev.kiln.api.rl;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** GAE, masked whitening and the KL controller against hand-computed values. */
class GaeTest {
    @Test
    void advantagesAndReturnsByHand() {
        // row 0: completion tokens at positions 1..3 (position 0 is prompt, 4 padding); r = [0, 0, 1], V = [0.5, 0.2, 0.1]; γ 1, λ 0.95
        // δ2 = 1 − 0.1 = 0.9, A2 = 0.9; δ1 = 0.1 − 0.2 = −0.1, A1 = −0.1 + 0.95·0.9 = 0.755; δ0 = 0.2 − 0.5 = −0.3, A0 = −0.3 + 0.95·0.755
        // row 1: one token, r = 2, V = 0.5, γ·V_next = 0: A = 1.5
        float[] mask = {0, 1, 1, 1, 0, 1, 0, 0, 0, 0};
        float[] r = {0, 0, 0, 1, 0, 2, 0, 0, 0, 0};
        float[] v = {9, 0.5f, 0.2f, 0.1f, 9, 0.5f, 9, 9, 9, 9};
        Gae.Result g = Gae.compute(r, v, mask, 2, 1.0, 0.95);
        double a0 = -0.3 + 0.95 * 0.755;
        assertArrayEquals(new float[] {0, (float) a0, 0.755f, 0.9f, 0, 1.5f, 0, 0, 0, 0}, g.advantages(), 1e-6f);
        assertArrayEquals(new float[] {0, (float) (a0 + 0.5), 0.955f, 1.0f, 0, 2.0f, 0, 0, 0, 0}, g.returns(), 1e-6f);
        // γ 0.5, λ 1: A1 = r1 + 0.5·V2 − V1 + 0.5·A2 with A2 = 1 − 0.1
        Gae.Result h = Gae.compute(new float[] {0, 1}, new float[] {0.4f, 0.1f}, new float[] {1, 1}, 1, 0.5, 1.0);
        assertArrayEquals(new float[] {(float) (0 + 0.5 * 0.1 - 0.4 + 0.5 * 0.9), 0.9f}, h.advantages(), 1e-6f);
    }

    @Test
    void maskedWhiteningUsesTheMaskedEntriesOnly() {
        float[] x = {1, 3, 100, 5};
        float[] mask = {1, 1, 0, 1};
        // mean 3, unbiased var ((4 + 0 + 4) / 2) = 4, std 2
        assertArrayEquals(new float[] {-1, 0, 0, 1}, Gae.whiten(x, mask, true), 1e-6f);
        assertArrayEquals(new float[] {2, 3, 0, 4}, Gae.whiten(x, mask, false), 1e-6f);
    }

    @Test
    void theAdaptiveKlControllerMovesTowardItsTarget() {
        KlController fixed = KlController.fixed(0.05);
        fixed.update(10, 64);
        assertEquals(0.05, fixed.value(), 0);
        KlController a = KlController.adaptive(0.1, 6, 1000);
        a.update(9, 100);                                  // error clip(9/6 − 1) = 0.2: × (1 + 0.2·100/1000)
        assertEquals(0.1 * 1.02, a.value(), 1e-12);
        a.update(5.7, 100);                                // error −0.05: × (1 − 0.005)
        assertEquals(0.1 * 1.02 * 0.995, a.value(), 1e-12);
    }
}
