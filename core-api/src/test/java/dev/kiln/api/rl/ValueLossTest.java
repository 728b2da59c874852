package dev.kiln.api.rl;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.ops.GradCheck;
import dev.kiln.api.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class ValueLossTest {
    private final Backend be = new NaiveBackend();

    @Test
    void theClippedValueLossByHand() {
        // token 0: V 1.0, V_old 0.5, R 2.0, ε 0.2 → clipped V 0.7: (1 − 2)² = 1 < (0.7 − 2)² = 1.69: the clipped branch (a constant)
        // token 1: V 0.6, V_old 0.5, R 0.0 → inside the clip: (0.6)² = 0.36
        // token 2: off the mask
        Tensor v = Tensor.of(be, new float[] {1.0f, 0.6f, 5f}, 1, 3).requiresGrad(true);
        ValueLoss.Result r = ValueLoss.compute(v, new float[] {1, 1, 0}, new float[] {0.5f, 0.5f, 0}, new float[] {2, 0, 0}, 0.2);
        assertEquals(0.5 * (1.69 + 0.36) / 2, r.loss().item(), 1e-5);
        assertEquals(0.5, r.clipped(), 0);
        r.loss().backward();
        float[] g = v.grad().toArray();
        assertEquals(0f, g[0], 0f, "the clipped prediction carries no gradient");
        assertEquals(0.5 * 2 * 0.6 / 2, g[1], 1e-6);
        assertEquals(0f, g[2], 0f);
    }

    @Test
    void gradientsMatchFiniteDifferences() {
        Tensor v = Tensor.of(be, new float[] {1.0f, 0.6f, -0.3f, 0.9f, 0.2f, 0f}, 2, 3).requiresGrad(true);
        float[] old = {0.5f, 0.5f, -0.2f, 0.0f, 0.25f, 0f}, ret = {2f, 0f, 1f, -1f, 0.4f, 0f}, mask = {1, 1, 1, 1, 1, 0};
        GradCheck.assertGradients("value loss", () -> ValueLoss.compute(v, mask, old, ret, 0.2).loss(), v);
    }
}
