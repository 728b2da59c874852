package dev.kiln.finetune.dpo;

import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.config.Config;
import dev.kiln.api.config.ConfigException;
import dev.kiln.api.ops.GradCheck;
import dev.kiln.api.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Every loss type against values worked out by hand from TRL's formulas. One pair, β = 0.5:
 * policy log-probs chosen −1, rejected −3; reference chosen −2, rejected −2.5; so the log-ratios are
 * c = 1, r = −0.5, Δ = z = 1.5, βz = 0.75, and log(1 + e^−0.75) = 0.386871, log(1 + e^0.75) = 1.136871.
 */
class DpoLossTest {
    static final NaiveBackend BE = new NaiveBackend();

    static DpoSettings settings(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("beta", 0.5);
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
        return DpoSettings.fromConfig(new Config("signal", m), null);
    }

    static double loss(DpoSettings s, RunningMean bco) {
        DpoLoss.Result r = DpoLoss.compute(s, Tensor.of(BE, new float[] {-1}, 1), Tensor.of(BE, new float[] {-3}, 1), new float[] {-2},
                new float[] {-2.5f}, Tensor.of(BE, new float[] {2}, 1), bco, true);
        assertArrayEquals(new float[] {0.5f * s.lossTypes().size()}, sum(r.chosenRewards()), 1e-6f, "β·c per type");
        return r.losses().toArray()[0];
    }

    static float[] sum(float[] v) { return v; }

    @Test
    void eachLossTypeMatchesItsFormula() {
        // sigmoid: −logσ(0.75) = log(1 + e^−0.75)
        assertEquals(0.386871, loss(settings("loss_type", "sigmoid"), null), 1e-5);
        // cDPO, ε = 0.1: 0.9·0.386871 + 0.1·1.136871 = 0.461871
        assertEquals(0.461871, loss(settings("loss_type", "sigmoid", "label_smoothing", 0.1), null), 1e-5);
        // hinge: max(0, 1 − 0.75)
        assertEquals(0.25, loss(settings("loss_type", "hinge"), null), 1e-6);
        // ipo: (z − 1/(2β))² = (1.5 − 1)²
        assertEquals(0.25, loss(settings("loss_type", "ipo"), null), 1e-6);
        // robust, ε = 0.1: (0.9·0.386871 − 0.1·1.136871) / 0.8 = 0.293121
        assertEquals(0.293121, loss(settings("loss_type", "robust", "label_smoothing", 0.1), null), 1e-5);
        // sppo_hard: (c − 1)² + (r + 1)² = 0 + 0.25
        assertEquals(0.25, loss(settings("loss_type", "sppo_hard"), null), 1e-6);
        // apo_zero: 1 − σ(βc) + σ(βr) = 1 − σ(0.5) + σ(−0.25) = 1 − 0.622459 + 0.437823
        assertEquals(0.815364, loss(settings("loss_type", "apo_zero"), null), 1e-5);
        // apo_down: σ(βc) + 1 − σ(βz) = 0.622459 + 1 − 0.679179
        assertEquals(0.943281, loss(settings("loss_type", "apo_down"), null), 1e-5);
        // sft: the chosen NLL given (2) for the pair
        assertEquals(2.0, loss(settings("loss_type", "sft"), null), 1e-6);
        // a weighted list: 2·sigmoid + 0.5·hinge = 0.773742 + 0.125; rewards add up as 2·β·c + 0.5·β·c (checked in loss())
        DpoSettings mixed = settings("loss_type", List.of("sigmoid", "hinge"), "loss_weights", List.of(2, 0.5));
        DpoLoss.Result r = DpoLoss.compute(mixed, Tensor.of(BE, new float[] {-1}, 1), Tensor.of(BE, new float[] {-3}, 1), new float[] {-2},
                new float[] {-2.5f}, null, null, true);
        assertEquals(0.898742, r.losses().toArray()[0], 1e-5);
        assertArrayEquals(new float[] {1.25f}, r.chosenRewards(), 1e-6f);
        assertArrayEquals(new float[] {-0.625f}, r.rejectedRewards(), 1e-6f);
    }

    @Test
    void bcoPairSubtractsTheRunningMeanOfBatchRewards() {
        RunningMean bco = new RunningMean();
        // first batch: δ = mean(βc, βr) = (0.5 − 0.25)/2 = 0.125; −logσ(0.5 − 0.125) − logσ(0.25 + 0.125) = 2·log(1 + e^−0.375)
        assertEquals(1.046247, loss(settings("loss_type", "bco_pair"), bco), 1e-5);
        assertEquals(0.125, bco.peek(0.125, 1), 1e-9, "the running mean is now 0.125");
        // a second batch mean of 0.75 moves it halfway (each batch counts once, as TRL feeds RunningMoments a scalar)
        assertEquals(0.4375, bco.update(0.75, 1), 1e-9);
    }

    @Test
    void gradientsOfEveryLossTypeMatchFiniteDifferences() {
        for (String type : List.of("sigmoid", "hinge", "ipo", "robust", "bco_pair", "sppo_hard", "apo_zero", "apo_down")) {
            DpoSettings s = settings("loss_type", type, "label_smoothing", type.equals("sigmoid") || type.equals("robust") ? 0.2 : 0);
            Tensor chosen = Tensor.of(BE, new float[] {-1f, -2.2f, -0.7f}, 3).requiresGrad(true);
            Tensor rejected = Tensor.of(BE, new float[] {-3f, -1.9f, -2.4f}, 3).requiresGrad(true);
            RunningMean bco = new RunningMean();
            bco.update(0.1, 1_000_000);   // δ is detached (TRL): a long history keeps the finite differences from moving it
            GradCheck.assertGradients(type, () -> DpoLoss.compute(s, chosen, rejected, new float[] {-2, -2, -1.5f}, new float[] {-2.5f, -1, -2},
                    null, bco, false).losses(), chosen, rejected);
        }
    }

    @Test
    void logSigmoidIsStableFarFromZero() {
        float[] v = DpoLoss.logSigmoid(Tensor.of(BE, new float[] {-200, 0, 200}, 3)).toArray();
        assertArrayEquals(new float[] {-200f, (float) -Math.log(2), 0f}, v, 1e-6f);
    }

    @Test
    void configErrorsNameTheKey() {
        assertKey("loss_type", settingsError("loss_type", "kto"));
        assertKey("loss_weights", settingsError("loss_type", List.of("sigmoid", "ipo"), "loss_weights", List.of(1)));
        assertKey("label_smoothing", settingsError("loss_type", "hinge", "label_smoothing", 0.1));
        assertKey("label_smoothing", settingsError("loss_type", "robust", "label_smoothing", 0.5));
        assertKey("beta", settingsError("beta", 0));
        assertKey("truncation_mode", settingsError("truncation_mode", "middle"));
        var unknown = assertThrows(ConfigException.class, () -> new DpoFineTunerFactory().objective(new Config("finetune.signal",
                Map.of("bta", 0.2)), new dev.kiln.api.objective.ObjectiveContext(new dev.kiln.api.testing.WordTokenizer(List.of("a")), BE, null, 1)));
        assertTrue(unknown.getMessage().contains("'bta'") && unknown.getMessage().contains("beta"), unknown.getMessage());
    }

    private static String settingsError(Object... kv) {
        return assertThrows(ConfigException.class, () -> settings(kv)).getMessage();
    }

    private static void assertKey(String key, String message) {
        assertTrue(message.contains(key), message);
    }
}
