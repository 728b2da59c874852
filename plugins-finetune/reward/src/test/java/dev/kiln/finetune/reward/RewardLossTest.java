package dev.kiln.finetune.reward;

import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.config.Config;
import dev.kiln.api.config.ConfigException;
import dev.kiln.api.objective.ObjectiveContext;
import dev.kiln.api.ops.GradCheck;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.testing.WordTokenizer;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The pairwise loss against values worked out by hand. Two pairs: rewards chosen (1, 0.2), rejected
 * (−0.5, 0.7), so r_c − r_r = (1.5, −0.5); −log σ(x) = log(1 + e^−x): 0.201413 and 0.974077.
 */
class RewardLossTest {
    static final NaiveBackend BE = new NaiveBackend();

    static float loss(float[] margins, Double center) {
        return RewardLoss.compute(Tensor.of(BE, new float[] {1f, 0.2f}, 2), Tensor.of(BE, new float[] {-0.5f, 0.7f}, 2), margins, center).item();
    }

    @Test
    void pairwiseLossWithoutMargin() {
        // (0.201413 + 0.974077) / 2
        assertEquals(0.587745, loss(new float[] {0, 0}, null), 1e-5);
    }

    @Test
    void marginIsSubtractedFromTheRewardDifference() {
        // margins (1, 0): differences (0.5, −0.5): (log(1 + e^−0.5) + log(1 + e^0.5)) / 2 = (0.474077 + 0.974077) / 2
        assertEquals(0.724077, loss(new float[] {1, 0}, null), 1e-5);
    }

    @Test
    void centeringAddsTheCoefficientTimesTheMeanSquaredSum() {
        // sums r_c + r_r = (0.5, 0.9): mean of squares (0.25 + 0.81) / 2 = 0.53; 0.587745 + 0.01·0.53
        assertEquals(0.593045, loss(new float[] {0, 0}, 0.01), 1e-5);
        // a coefficient of 0 is the plain loss
        assertEquals(0.587745, loss(new float[] {0, 0}, 0.0), 1e-5);
    }

    @Test
    void gradientsMatchFiniteDifferences() {
        Tensor chosen = Tensor.of(BE, new float[] {1f, -0.3f, 2.1f}, 3).requiresGrad(true);
        Tensor rejected = Tensor.of(BE, new float[] {-0.5f, 0.4f, 1.7f}, 3).requiresGrad(true);
        GradCheck.assertGradients("plain", () -> RewardLoss.compute(chosen, rejected, new float[3], null), chosen, rejected);
        GradCheck.assertGradients("margin + centering", () -> RewardLoss.compute(chosen, rejected, new float[] {0.5f, 1f, -0.2f}, 0.3),
                chosen, rejected);
    }

    @Test
    void metricsAreTrlsNames() {
        // chosen (1, 0.2), rejected (−0.5, 0.7): one pair of two is ordered right
        Map<String, Double> m = RewardObjective.metrics(0.5, new float[] {1f, 0.2f, -0.5f, 0.7f}, 2);
        assertEquals(0.5, m.get("accuracy"), 1e-9);
        assertEquals(0.5, m.get("margin"), 1e-6, "mean of (1.5, −0.5)");
        assertEquals(0.6, m.get("rewards/chosen"), 1e-6);
        assertEquals(0.1, m.get("rewards/rejected"), 1e-6);
        assertEquals(-0.5, m.get("min_reward"), 1e-6);
        assertEquals(0.35, m.get("mean_reward"), 1e-6);
        assertEquals(1.0, m.get("max_reward"), 1e-6);
        assertEquals(0.5, m.get("loss"), 0);
    }

    @Test
    void configErrorsNameTheKey() {
        ObjectiveContext ctx = new ObjectiveContext(new WordTokenizer(List.of("a")), BE, RewardTask.MODEL, 1);
        var negative = assertThrows(ConfigException.class, () -> new RewardFineTunerFactory().objective(new Config("finetune.signal",
                Map.of("center_rewards_coefficient", -1)), ctx));
        assertTrue(negative.getMessage().contains("center_rewards_coefficient"), negative.getMessage());
        var unknown = assertThrows(ConfigException.class, () -> new RewardFineTunerFactory().objective(new Config("finetune.signal",
                Map.of("beta", 0.1)), ctx));
        assertTrue(unknown.getMessage().contains("'beta'") && unknown.getMessage().contains("center_rewards_coefficient"), unknown.getMessage());
    }
}
