package dev.kiln.finetune.ppo;

import dev.kiln.api.config.Config;
import dev.kiln.api.data.Batch;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.objective.BatchSpec;
import dev.kiln.api.objective.ReferencePolicy;
import dev.kiln.api.testing.TinyTraining;
import dev.kiln.reward.format.FormatRewardFactory;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.kiln.api.testing.PromptTask.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * PPO (value head, GAE, KL penalty, 4 PPO epochs per rollout) learns what the {@code format} reward
 * plugin asks for (a completion starting with "a"): held-out mean score past 0.8 and 0.5 above the
 * untrained policy; the frozen reference is bit-identical after training.
 */
class PpoLearnsTest {
    static final BatchSpec SPEC = new BatchSpec(16, 8);

    static PpoObjective ppo(Map<String, Object> extra) {
        Map<String, Object> cfg = new LinkedHashMap<>(Map.of("rewards", List.of(Map.of("name", "format", "pattern", "^a")),
                "response_length", 2, "temperature", 1.0));
        cfg.putAll(extra);
        return new PpoFineTunerFactory().objective(new Config("finetune.signal", cfg), context(Map.of("format", new FormatRewardFactory())));
    }

    @Test
    void learnsTheFormatRewardAndTheReferenceNeverMoves() {
        Transformer net = new Transformer(BE, MODEL, 3);
        PpoObjective ppo = ppo(Map.of());
        ReferencePolicy ref = ReferencePolicy.frozen(new Transformer(BE, MODEL, 3), "the initial weights");
        ppo.useReference(ref);
        float[] refBefore = referenceLogits(ref);
        double before = TinyTraining.evaluate(net, ppo, prompts("held-out", 32, 2), SPEC, 5).get("objective/scores");
        TinyTraining.train(net, ppo, prompts("train", 128, 1), SPEC, 80, 1e-2, 7);
        Map<String, Double> after = TinyTraining.evaluate(net, ppo, prompts("held-out", 32, 2), SPEC, 5);
        System.out.printf("ppo: held-out mean score %.3f -> %.3f, kl %.3f, value loss %.4f%n", before, after.get("objective/scores"),
                after.get("objective/kl"), after.get("loss/value_avg"));
        assertTrue(after.get("objective/scores") >= 0.8, "held-out mean score " + after);
        assertTrue(after.get("objective/scores") > before + 0.5, "beats the untrained policy (" + before + ") by 0.5: " + after);
        for (String key : List.of("objective/kl", "objective/entropy", "objective/non_score_reward", "objective/rlhf_reward", "policy/approxkl_avg",
                "policy/clipfrac_avg", "loss/policy_avg", "loss/value_avg", "val/clipfrac_avg", "rewards/format/mean"))
            assertTrue(after.containsKey(key), key + " in " + after.keySet());
        assertArrayEquals(refBefore, referenceLogits(ref), 0f, "the frozen reference is bit-identical after training");
    }

    @Test
    void eachPromptBatchIsHandedOutOncePerPpoEpochAndLaterEpochsReuseTheRollout() {
        Transformer net = new Transformer(BE, MODEL, 3);
        PpoObjective ppo = ppo(Map.of("num_ppo_epochs", 3));
        ppo.useReference(ReferencePolicy.frozen(new Transformer(BE, MODEL, 3), "a copy"));
        List<Batch> batches = ppo.prepare(prompts("p", 8, 1), new BatchSpec(4, 8), 1);
        assertEquals(6, batches.size());
        for (int i = 0; i < 6; i++) assertEquals(i % 3, batches.get(i).ints("ppo_epoch").data()[0]);
        var first = ppo.compute(net, batches.get(0)).metrics();
        movePolicy(net);        // as epoch 0's optimizer step would, and more
        var second = ppo.compute(net, batches.get(1)).metrics();
        var resampled = ppo.compute(net, batches.get(0)).metrics();
        assertNotEquals(first.get("objective/scores"), resampled.get("objective/scores"),
                "the moved policy samples other completions (epoch 0 samples afresh)");
        assertEquals(first.get("objective/scores"), second.get("objective/scores"), "epoch 1 trains on epoch 0's rollout");
        assertEquals(0.0, first.get("policy/approxkl_avg"), 1e-9, "epoch 0: the policy is the one that sampled");
        assertEquals(0.0, resampled.get("policy/approxkl_avg"), 1e-9, "a fresh rollout: the policy is the one that sampled");
        assertTrue(second.get("policy/approxkl_avg") > 1e-3, "epoch 1: the rollout came from the policy before it moved: " + second);
    }

    @Test
    void adaptiveKlNeedsItsTargetAndBadKeysAreNamed() {
        assertTrue(ppo(Map.of("target_kl", 6.0)).settings().kl().isAdaptive());
        var e = assertThrows(RuntimeException.class, () -> ppo(Map.of("horizon", 100)));
        assertTrue(e.getMessage().contains("key 'horizon'"), e.getMessage());
        e = assertThrows(RuntimeException.class, () -> ppo(Map.of("lam", 1.5)));
        assertTrue(e.getMessage().contains("key 'lam'"), e.getMessage());
    }
}
