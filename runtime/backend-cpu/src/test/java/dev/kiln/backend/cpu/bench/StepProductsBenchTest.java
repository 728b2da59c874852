package dev.kiln.backend.cpu.bench;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class StepProductsBenchTest {
    /** Each layer's forward, input-gradient and weight-gradient products fit together, and their FLOPs are a step's. */
    @Test
    void theProductsAreEachLinearLayersThree() {
        int rows = 1024, c = 128, v = 512;
        StepProductsBench.Product[] p = StepProductsBench.products(rows, c, v);
        assertEquals(15, p.length);
        double flops = 0;
        for (int l = 0; l < 5; l++) {
            StepProductsBench.Product fwd = p[3 * l], dx = p[3 * l + 1], dw = p[3 * l + 2];
            int in = fwd.k(), out = fwd.n();
            assertEquals(rows, fwd.m());
            assertTrue(fwd.transB() && !fwd.transA(), fwd.name() + ": x · wᵀ");
            assertEquals(l < 4, fwd.bias(), fwd.name() + ": the blocks' layers have biases, the tied head none");
            assertArrayEquals(new int[] {rows, in, out}, new int[] {dx.m(), dx.n(), dx.k()}, dx.name());
            assertFalse(dx.transA() || dx.transB(), dx.name() + ": dY · w");
            assertArrayEquals(new int[] {out, in, rows}, new int[] {dw.m(), dw.n(), dw.k()}, dw.name());
            assertTrue(dw.transA() && !dw.transB(), dw.name() + ": dYᵀ · x");
            for (StepProductsBench.Product q : new StepProductsBench.Product[] {fwd, dx, dw}) flops += 2.0 * q.m() * q.n() * q.k();
        }
        // forward and backward: 6 FLOPs per token per weight of the block's 12·C² and the head's C·V
        assertEquals(6.0 * rows * (12.0 * c * c + (double) c * v), flops);
    }
}
