package dev.kiln.api.rl;

import dev.kiln.api.config.Config;
import dev.kiln.api.config.ConfigException;
import dev.kiln.api.reward.Completion;
import dev.kiln.api.reward.RewardFunction;
import dev.kiln.api.reward.RewardFunctionFactory;
import dev.kiln.api.reward.RewardFunctions;
import dev.kiln.api.testing.PromptTask;
import dev.kiln.api.testing.TestTokenizers;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** The weighted sum of rewards (NaN left out, as TRL's nansum), their metrics, and the rewards list's errors. */
class WeightedRewardsTest {
    /** A reward named {@code name} that returns {@code scores} (option {@code scale} multiplies them). */
    static RewardFunctionFactory fixed(String name, double... scores) {
        return new RewardFunctionFactory() {
            @Override public String name() { return name; }

            @Override public String apiVersion() { return dev.kiln.api.plugin.ApiVersion.CURRENT; }

            @Override
            public RewardFunction create(Config c, dev.kiln.api.reward.RewardContext ctx) {
                double scale = c.getDouble("scale", 1);
                c.finish();
                return new RewardFunction() {
                    @Override public String name() { return name; }

                    @Override
                    public double[] score(List<Completion> cs) {
                        double[] out = scores.clone();
                        for (int i = 0; i < out.length; i++) out[i] *= scale;
                        return out;
                    }
                };
            }
        };
    }

    static final List<Completion> THREE = List.of(c(), c(), c());

    static Completion c() { return new Completion("p", "x", new int[] {1}, new int[] {2}, true); }

    static RewardFunctions available() {
        return RewardFunctions.of(Map.of("a", fixed("a", 1, Double.NaN, 3), "b", fixed("b", Double.NaN, Double.NaN, 2)),
                PromptTask.rewardContext(TestTokenizers.bytes(), PromptTask.BE));
    }

    @Test
    void weightedSumLeavesNanOut() {
        WeightedRewards w = WeightedRewards.fromConfig(new Config("finetune.signal", Map.of("rewards",
                List.of(Map.of("name", "a", "weight", 0.5), Map.of("name", "b", "scale", 10)))), "rewards", available());
        assertEquals(List.of("a", "b"), w.names());
        WeightedRewards.Scores s = w.score(THREE);
        // completion 0: 0.5·1 (b has no opinion); 1: nobody scored it → 0; 2: 0.5·3 + 1·20
        assertArrayEquals(new double[] {0.5, 0, 21.5}, s.total(), 1e-12);
        Map<String, Double> m = w.metrics(s);
        assertEquals(2.0, m.get("rewards/a/mean"), 1e-12, "the mean over the scores that are not NaN");
        assertEquals(Math.sqrt(2), m.get("rewards/a/std"), 1e-12);
        assertEquals(20.0, m.get("rewards/b/mean"), 1e-12);
        assertEquals(0.0, m.get("rewards/b/std"), 0);
    }

    @Test
    void theRewardsListIsCheckedNamingTheKey() {
        var e = assertThrows(ConfigException.class, () -> WeightedRewards.fromConfig(new Config("finetune.signal", Map.of()), "rewards", available()));
        assertTrue(e.getMessage().contains("key 'rewards'") && e.getMessage().contains("known: a, b"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> WeightedRewards.fromConfig(new Config("finetune.signal", Map.of("rewards",
                List.of(Map.of("name", "a"), Map.of("name", "a")))), "rewards", available()));
        assertTrue(e.getMessage().contains("finetune.signal.rewards[1]: key 'name'") && e.getMessage().contains("second time"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> WeightedRewards.fromConfig(new Config("finetune.signal", Map.of("rewards",
                List.of(Map.of("name", "a", "weight", "heavy")))), "rewards", available()));
        assertTrue(e.getMessage().contains("rewards[0]: key 'weight'"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> WeightedRewards.fromConfig(new Config("finetune.signal", Map.of("rewards",
                List.of(Map.of("name", "b", "scael", 2)))), "rewards", available()));
        assertTrue(e.getMessage().contains("scael") && e.getMessage().contains("scale"), e.getMessage());
    }

    @Test
    void aRewardReturningTheWrongNumberOfScoresIsNamed() {
        WeightedRewards w = WeightedRewards.fromConfig(new Config("s", Map.of("rewards", List.of(Map.of("name", "a")))), "rewards", available());
        var e = assertThrows(IllegalStateException.class, () -> w.score(List.of(c())));
        assertTrue(e.getMessage().contains("'a' returned 3 scores for 1 completions"), e.getMessage());
    }
}
