package dev.kiln.finetune.kto;

import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.config.Config;
import dev.kiln.api.config.ConfigException;
import dev.kiln.api.objective.ObjectiveContext;
import dev.kiln.api.ops.GradCheck;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.testing.WordTokenizer;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The KTO losses against values worked out by hand from TRL's formulas. β = 0.5; policy log-probs
 * (−1, −3, −2), reference (−2, −2.5, −2), so the log-ratios are x = (1, −0.5, 0); z = 0.2.
 */
class KtoLossTest {
    static final NaiveBackend BE = new NaiveBackend();
    static final float[] POLICY = {-1, -3, -2}, REF = {-2, -2.5f, -2};

    static KtoSettings settings(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("beta", 0.5);
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
        return KtoSettings.fromConfig(new Config("signal", m), null);
    }

    /** The loss of examples {@code pick} (indices into POLICY / REF) with labels. */
    static float loss(KtoSettings s, int[] pick, boolean[] labels, float z) {
        float[] p = new float[pick.length], r = new float[pick.length];
        for (int i = 0; i < pick.length; i++) {
            p[i] = POLICY[pick[i]];
            r[i] = REF[pick[i]];
        }
        return KtoLoss.compute(s, Tensor.of(BE, p, p.length), r, labels, z).loss().item();
    }

    @Test
    void desirableOnly() {
        // 1 − σ(0.5·(1 − 0.2)) = 1 − σ(0.4)
        assertEquals(0.401312, loss(settings(), new int[] {0}, new boolean[] {true}, 0.2f), 1e-5);
    }

    @Test
    void undesirableOnly() {
        // 1 − σ(0.5·(0.2 − (−0.5))) = 1 − σ(0.35)
        assertEquals(0.413382, loss(settings(), new int[] {1}, new boolean[] {false}, 0.2f), 1e-5);
    }

    @Test
    void mixedBatchIsTheMeanOverAllExamples() {
        // (0.401312 + 0.413382 + (1 − σ(0.5·(0 − 0.2)))) / 3, the third 0.524979
        assertEquals(0.446558, loss(settings(), new int[] {0, 1, 2}, new boolean[] {true, false, true}, 0.2f), 1e-5);
    }

    @Test
    void weightsScaleEachKind() {
        // (2·0.401312 + 0.5·0.413382 + 2·0.524979) / 3
        assertEquals(0.686425, loss(settings("desirable_weight", 2, "undesirable_weight", 0.5), new int[] {0, 1, 2},
                new boolean[] {true, false, true}, 0.2f), 1e-5);
    }

    @Test
    void referencePointIsTheClampedMeanKlOfTheMismatchedRows() {
        // mean of (−3 + 2, −2 + 1) = −1: clamped to 0
        assertEquals(0f, KtoLoss.referencePoint(new float[] {-3, -2}, new float[] {-2, -1}), 0f);
        // mean of (−1 + 2, −2 + 2.5) = 0.75
        assertEquals(0.75f, KtoLoss.referencePoint(new float[] {-1, -2}, new float[] {-2, -2.5f}), 1e-6f);
        // z = 0 in the loss: desirable 1 − σ(0.5), undesirable 1 − σ(0.25)
        assertEquals((0.377541 + 1 - 0.562177) / 2, loss(settings(), new int[] {0, 1}, new boolean[] {true, false}, 0f), 1e-5);
    }

    @Test
    void apoZeroUnpairedIgnoresTheReferencePoint() {
        // desirable 1 − σ(0.5·1) = 0.377541, undesirable σ(0.5·(−0.5)) = 0.437823, desirable 1 − σ(0) = 0.5
        KtoSettings apo = settings("loss_type", "apo_zero_unpaired");
        assertEquals(0.438455, loss(apo, new int[] {0, 1, 2}, new boolean[] {true, false, true}, 0f), 1e-5);
        assertFalse(apo.usesKl());
    }

    @Test
    void rewardsAreBetaTimesTheLogRatio() {
        KtoLoss.Result r = KtoLoss.compute(settings(), Tensor.of(BE, POLICY, 3), REF, new boolean[] {true, false, true}, 0.2f);
        assertArrayEquals(new float[] {0.5f, -0.25f, 0f}, r.rewards(), 1e-6f);
    }

    @Test
    void gradientsMatchFiniteDifferences() {
        for (String type : List.of("kto", "apo_zero_unpaired")) {
            KtoSettings s = settings("loss_type", type, "desirable_weight", 1.5, "undesirable_weight", 0.7);
            Tensor logps = Tensor.of(BE, new float[] {-1f, -2.2f, -0.7f, -3.1f}, 4).requiresGrad(true);
            GradCheck.assertGradients(type, () -> KtoLoss.compute(s, logps, new float[] {-2, -2, -1.5f, -2.5f},
                    new boolean[] {true, false, false, true}, 0.3f).loss(), logps);
        }
    }

    @Test
    void configErrorsNameTheKey() {
        assertTrue(settingsError("loss_type", "sigmoid").contains("loss_type"));
        assertTrue(settingsError("beta", 0).contains("beta"));
        assertTrue(settingsError("desirable_weight", -1).contains("desirable_weight"));
        assertTrue(settingsError("undesirable_weight", "lots").contains("undesirable_weight"));
        var unknown = assertThrows(ConfigException.class, () -> new KtoFineTunerFactory().objective(new Config("finetune.signal",
                Map.of("bta", 0.2)), new ObjectiveContext(new WordTokenizer(List.of("a")), BE, null, 1)));
        assertTrue(unknown.getMessage().contains("'bta'") && unknown.getMessage().contains("desirable_weight"), unknown.getMessage());
    }

    private static String settingsError(Object... kv) {
        return assertThrows(ConfigException.class, () -> settings(kv)).getMessage();
    }
}
