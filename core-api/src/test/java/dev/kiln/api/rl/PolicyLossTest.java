package dev.kiln.api.rl;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.ops.Arithmetic;
import dev.kiln.api.ops.GradCheck;
import dev.kiln.api.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** The clipped surrogate, its loss types and the k3 KL against hand-computed values; gradients by finite differences. */
class PolicyLossTest {
    private final Backend be = new NaiveBackend();
    // N = 2 completions, L = 3 positions: row 0 has 2 completion tokens, row 1 has 1
    private final float[] mask = {1, 1, 0, 1, 0, 0};
    private final float[] logp = {-1, -2, 0, -0.5f, 0, 0};
    private final double[] adv = {1, -0.5};

    private double loss(PolicyLoss.Type type) {
        Tensor lp = Tensor.of(be, logp, 2, 3);
        return PolicyLoss.compute(lp, mask, logp.clone(), adv, null, 0, 0.2, 0.2, type, 4).loss().item();
    }

    @Test
    void atRatioOneEachLossTypeNormalisesAsTrlDoes() {
        // ratio 1: token loss −A. grpo: (−1 −1)/2 and (0.5)/1, mean over 2 rows = (−1 + 0.5)/2
        assertEquals(-0.25, loss(PolicyLoss.Type.GRPO), 1e-6);
        // dapo / bnpo: (−1 −1 + 0.5) / 3 tokens
        assertEquals(-0.5, loss(PolicyLoss.Type.DAPO), 1e-6);
        assertEquals(-0.5, loss(PolicyLoss.Type.BNPO), 1e-6);
        // dr_grpo: (−1.5) / (2 rows × max_completion_length 4)
        assertEquals(-0.1875, loss(PolicyLoss.Type.DR_GRPO), 1e-6);
    }

    @Test
    void theRatioIsClippedOnlyOnTheSideThatWouldGainAndCounted() {
        // one token per row, ratio 1.5 each; ε = 0.2. A = +1: min(1.5, 1.2) = 1.2 (clipped high); A = −1: min(−1.5, −1.2) = −1.5 (not clipped)
        float l15 = (float) Math.log(1.5);
        Tensor lp = Tensor.of(be, new float[] {l15, 0, l15, 0}, 2, 2).requiresGrad(true);
        float[] m = {1, 0, 1, 0};
        PolicyLoss.Result r = PolicyLoss.compute(lp, m, new float[4], new double[] {1, -1}, null, 0, 0.2, 0.2, PolicyLoss.Type.DAPO, 2);
        assertEquals((-1.2 + 1.5) / 2, r.loss().item(), 1e-5);
        assertEquals(0.5, r.highClipped(), 0);
        assertEquals(0.0, r.lowClipped(), 0);
        assertEquals(0.5, r.regionClipped(), 0);
        r.loss().backward();
        float[] g = lp.grad().toArray();
        assertEquals(0f, g[0], 0f, "the clipped token carries no gradient");
        assertEquals(1.5 / 2, g[2], 1e-5, "d/dlogp of −r·A / 2 with A = −1 is r / 2");
        // epsilon_high 0.6 (DAPO's clip-higher) leaves ratio 1.5 unclipped for A = +1
        PolicyLoss.Result wide = PolicyLoss.compute(Tensor.of(be, new float[] {l15, 0, l15, 0}, 2, 2), m, new float[4], new double[] {1, -1},
                null, 0, 0.2, 0.6, PolicyLoss.Type.DAPO, 2);
        assertEquals((-1.5 + 1.5) / 2, wide.loss().item(), 1e-5);
        // low side: ratio 0.5, A = −1: min(−0.5·−1 ... ) → −min(0.5·(−1), 0.8·(−1)) = 0.8, clipped low
        float l05 = (float) Math.log(0.5);
        PolicyLoss.Result low = PolicyLoss.compute(Tensor.of(be, new float[] {l05}, 1, 1), new float[] {1}, new float[1], new double[] {-1},
                null, 0, 0.2, 0.2, PolicyLoss.Type.DAPO, 1);
        assertEquals(0.8, low.loss().item(), 1e-5);
        assertEquals(1.0, low.lowClipped(), 0);
    }

    @Test
    void k3KlMatchesTheHandComputedValue() {
        // ref − logp = ln 2 on the one token: e^d − d − 1 = 2 − ln 2 − 1; A = 0 so the loss is β·kl
        float lp = -1f, ref = (float) (-1 + Math.log(2));
        PolicyLoss.Result r = PolicyLoss.compute(Tensor.of(be, new float[] {lp, 0}, 1, 2), new float[] {1, 0}, new float[] {lp, 0},
                new double[] {0}, new float[] {ref, 0}, 0.1, 0.2, 0.2, PolicyLoss.Type.GRPO, 1);
        double kl = 1 - Math.log(2);
        assertEquals(kl, r.kl(), 1e-6);
        assertEquals(0.1 * kl, r.loss().item(), 1e-6);
    }

    @Test
    void gradientsMatchFiniteDifferencesInsideAndOutsideTheClipRange() {
        // ratios exp(logp − old): 1, 0.5 (A < 0: clipped), 1.5 (A > 0: clipped), 0.9, 1.1, 1 — none near a clip boundary
        float[] old = {-1, -1 - (float) Math.log(0.5), -2 - (float) Math.log(1.5), -0.5f - (float) Math.log(0.9), -1 - (float) Math.log(1.1), -3};
        Tensor lp = Tensor.of(be, new float[] {-1, -1, -2, -0.5f, -1, -3}, 2, 3).requiresGrad(true);
        float[] m = {1, 1, 1, 1, 1, 0};
        float[] ref = {-1.2f, -0.8f, -2.5f, -0.4f, -1.1f, 0};
        for (PolicyLoss.Type type : PolicyLoss.Type.values())
            GradCheck.assertGradients("policy loss " + type.key(), () -> Arithmetic.mulScalar(
                    PolicyLoss.compute(lp, m, old, new double[] {-0.7, 1.3}, ref, 0.3, 0.2, 0.28, type, 4).loss(), 1f), lp);
    }
}
