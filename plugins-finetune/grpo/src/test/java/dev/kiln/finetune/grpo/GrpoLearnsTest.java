package dev.kiln.finetune.grpo;

import dev.kiln.api.config.Config;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.objective.BatchSpec;
import dev.kiln.api.objective.ReferencePolicy;
import dev.kiln.api.rl.OnlinePolicyObjective;
import dev.kiln.api.testing.TinyTraining;
import dev.kiln.reward.format.FormatRewardFactory;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.kiln.api.testing.PromptTask.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * GRPO learns what the {@code format} reward plugin asks for (a completion that starts with the
 * letter "a", which a random policy draws about 1 time in 14): the held-out mean reward of sampled
 * completions rises past 0.8 and beats the untrained policy by 0.5; with β &gt; 0 the frozen
 * reference is bit-identical after training.
 */
class GrpoLearnsTest {
    static final BatchSpec SPEC = new BatchSpec(4, 8);
    static final List<Map<String, Object>> REWARDS = List.of(Map.of("name", "format", "pattern", "^a"));

    static OnlinePolicyObjective grpo(Map<String, Object> extra) {
        Map<String, Object> cfg = new LinkedHashMap<>(Map.of("rewards", REWARDS, "num_generations", 8, "max_completion_length", 2));
        cfg.putAll(extra);
        return new GrpoFineTunerFactory().objective(new Config("finetune.signal", cfg), context(Map.of("format", new FormatRewardFactory())));
    }

    static double heldOutReward(Transformer net, OnlinePolicyObjective o) {
        return TinyTraining.evaluate(net, o, prompts("held-out", 16, 2), SPEC, 5).get("reward");
    }

    @Test
    void learnsTheFormatRewardOnHeldOutPrompts() {
        Transformer net = new Transformer(BE, MODEL, 3);
        OnlinePolicyObjective grpo = grpo(Map.of());
        double before = heldOutReward(net, grpo);
        TinyTraining.train(net, grpo, prompts("train", 64, 1), SPEC, 40, 1e-2, 7);
        Map<String, Double> after = TinyTraining.evaluate(net, grpo, prompts("held-out", 16, 2), SPEC, 5);
        System.out.printf("grpo: held-out mean reward %.3f -> %.3f%n", before, after.get("reward"));
        assertTrue(after.get("reward") >= 0.8, "held-out mean reward " + after);
        assertTrue(after.get("reward") > before + 0.5, "beats the untrained policy (" + before + ") by 0.5: " + after);
        for (String key : List.of("reward", "reward_std", "rewards/format/mean", "rewards/format/std", "clip_ratio/region_mean",
                "completions/mean_length", "completions/clipped_ratio", "completions/distinct_2", "entropy", "loss", "frac_reward_zero_std"))
            assertTrue(after.containsKey(key), "metric " + key + " in " + after.keySet());
    }

    @Test
    void withAKlTermTheFrozenReferenceNeverMovesAndKlIsReported() {
        Transformer net = new Transformer(BE, MODEL, 3);
        OnlinePolicyObjective grpo = grpo(Map.of("beta", 0.04, "loss_type", "grpo"));
        assertTrue(grpo.needsReference());
        ReferencePolicy ref = ReferencePolicy.frozen(new Transformer(BE, MODEL, 3), "the initial weights");
        grpo.useReference(ref);
        float[] refBefore = referenceLogits(ref);
        TinyTraining.train(net, grpo, prompts("train", 64, 1), SPEC, 30, 1e-2, 7);
        Map<String, Double> after = TinyTraining.evaluate(net, grpo, prompts("held-out", 16, 2), SPEC, 5);
        System.out.printf("grpo (beta 0.04): held-out mean reward %.3f, kl %.4f%n", after.get("reward"), after.get("kl"));
        assertTrue(after.get("kl") > 0, "the policy moved away from the reference: " + after);
        assertTrue(after.get("reward") >= 0.6, after.toString());
        assertArrayEquals(refBefore, referenceLogits(ref), 0f, "the frozen reference is bit-identical after training");
    }

    @Test
    void withNumIterationsEachRolloutTrainsSeveralStepsAndStillLearns() {
        OnlinePolicyObjective grpo = grpo(Map.of("num_iterations", 2));
        List<dev.kiln.api.data.Batch> batches = grpo.prepare(prompts("p", 8, 1), SPEC, 1);
        assertEquals(4, batches.size(), "2 prompt batches, each twice");
        Transformer probe = new Transformer(BE, MODEL, 3);
        var first = grpo.compute(probe, batches.get(0)).metrics();
        movePolicy(probe);      // as the optimizer step between the iterations would, and more
        var again = grpo.compute(probe, batches.get(1)).metrics();
        var resampled = grpo.compute(probe, batches.get(0)).metrics();
        assertNotEquals(first.get("completions/mean_length"), resampled.get("completions/mean_length"),
                "the moved policy samples other completions (a first iteration samples afresh)");
        assertEquals(first.get("reward"), again.get("reward"), "iteration 1 trains on iteration 0's rollout");
        assertEquals(first.get("completions/mean_length"), again.get("completions/mean_length"), "iteration 1 trains on iteration 0's rollout");
        Transformer net = new Transformer(BE, MODEL, 3);
        double before = heldOutReward(net, grpo);
        TinyTraining.train(net, grpo, prompts("train", 64, 1), SPEC, 40, 1e-2, 7);
        Map<String, Double> after = TinyTraining.evaluate(net, grpo, prompts("held-out", 16, 2), SPEC, 5);
        System.out.printf("grpo (num_iterations 2): held-out mean reward %.3f -> %.3f%n", before, after.get("reward"));
        assertTrue(after.get("reward") >= 0.8 && after.get("reward") > before + 0.5, before + " -> " + after);
    }

    @Test
    void badConfigIsRefusedNamingTheKey() {
        var e = assertThrows(RuntimeException.class, () -> grpo(Map.of("loss_type", "ppo")));
        assertTrue(e.getMessage().contains("key 'loss_type'"), e.getMessage());
        e = assertThrows(RuntimeException.class, () -> grpo(Map.of("num_iterations", 0)));
        assertTrue(e.getMessage().contains("key 'num_iterations'"), e.getMessage());
        e = assertThrows(RuntimeException.class, () -> grpo(Map.of("scale_rewards", "maybe")));
        assertTrue(e.getMessage().contains("key 'scale_rewards'"), e.getMessage());
        e = assertThrows(RuntimeException.class, () -> grpo(Map.of("rewards", List.of(Map.of("name", "lenght")))));
        assertTrue(e.getMessage().contains("finetune.signal.rewards[0]: key 'name'") && e.getMessage().contains("known: format"), e.getMessage());
        e = assertThrows(RuntimeException.class, () -> grpo(Map.of("rewards", List.of(Map.of("name", "format", "pattern", "(")))));
        assertTrue(e.getMessage().contains("finetune.signal.rewards[0]: key 'pattern'"), e.getMessage());
        e = assertThrows(RuntimeException.class, () -> new GrpoFineTunerFactory().objective(new Config("finetune.signal", Map.of()),
                context(Map.of("format", new FormatRewardFactory()))));
        assertTrue(e.getMessage().contains("key 'rewards'") && e.getMessage().contains("format"), e.getMessage());
    }
}
