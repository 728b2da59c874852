package dev.kiln.finetune.dpo;

import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** Online DPO's pair loss against the formulas, by hand: the higher-rewarded row is chosen, tied pairs are left out. */
class OnlinePairLossTest {
    static final NaiveBackend BE = new NaiveBackend();

    static double logSigmoid(double x) { return -Math.log1p(Math.exp(-x)); }

    @Test
    void sigmoidLossPicksTheHigherRewardedRowAndLeavesTiesOut() {
        // pair 0: row 0 wins, Δ = 0.5 − (−0.2) = 0.7; pair 1: row 3 wins, Δ = 0.3 − 0.1 = 0.2; pair 2 ties
        Tensor ratios = Tensor.of(BE, new float[] {0.5f, -0.2f, 0.1f, 0.3f, 1f, 1f}, 6).requiresGrad(true);
        OnlinePairLoss.Result r = OnlinePairLoss.compute(ratios, new double[] {1, 0, 0, 2, 1, 1}, 0.1, LossType.SIGMOID);
        double want = -(logSigmoid(0.1 * 0.7) + logSigmoid(0.1 * 0.2)) / 2;
        assertEquals(want, r.loss().item(), 1e-6);
        assertArrayEquals(new int[] {0, 3, -1}, r.chosen());
        assertEquals(2, r.untied());
        assertEquals(0.7f, r.margins()[0], 1e-6f);
        assertTrue(Float.isNaN(r.margins()[2]));
        r.loss().backward();
        // d/dρ_chosen = −β(1 − σ(βΔ)) / 2, the rejected the opposite; a tied pair gets no gradient
        double g0 = -0.1 * (1 - 1 / (1 + Math.exp(-0.07))) / 2, g1 = -0.1 * (1 - 1 / (1 + Math.exp(-0.02))) / 2;
        assertArrayEquals(new float[] {(float) g0, (float) -g0, (float) -g1, (float) g1, 0f, 0f}, ratios.grad().toArray(), 1e-7f);
    }

    @Test
    void ipoLossAndAllTiedBatches() {
        Tensor ratios = Tensor.of(BE, new float[] {0.2f, 0.6f}, 2).requiresGrad(true);
        OnlinePairLoss.Result r = OnlinePairLoss.compute(ratios, new double[] {0.0, 0.5}, 0.5, LossType.IPO);
        assertEquals(Math.pow(0.4 - 1 / (2 * 0.5), 2), r.loss().item(), 1e-6, "(Δ − 1/(2β))² with row 1 chosen");
        OnlinePairLoss.Result tied = OnlinePairLoss.compute(Tensor.of(BE, new float[] {0.2f, 0.6f}, 2).requiresGrad(true), new double[] {1, 1}, 0.1,
                LossType.SIGMOID);
        assertEquals(0, tied.loss().item(), 0);
        assertEquals(0, tied.untied());
        tied.loss().backward();   // still on the tape
        assertThrows(IllegalArgumentException.class, () -> OnlinePairLoss.compute(Tensor.of(BE, new float[3], 3), new double[3], 0.1, LossType.SIGMOID));
    }
}
