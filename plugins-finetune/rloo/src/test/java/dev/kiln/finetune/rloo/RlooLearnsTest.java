package dev.kiln.finetune.rloo;

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
 * RLOO learns what the {@code format} reward plugin asks for (a completion starting with "a") with
 * TRL's defaults (β 0.05 off the reward, against a frozen copy that never moves): the held-out mean
 * reward rises past 0.8 and beats the untrained policy by 0.5.
 */
class RlooLearnsTest {
    static final BatchSpec SPEC = new BatchSpec(4, 8);

    static OnlinePolicyObjective rloo(Map<String, Object> extra) {
        Map<String, Object> cfg = new LinkedHashMap<>(Map.of("rewards", List.of(Map.of("name", "format", "pattern", "^a")),
                "num_generations", 4, "max_completion_length", 2));
        cfg.putAll(extra);
        return new RlooFineTunerFactory().objective(new Config("finetune.signal", cfg), context(Map.of("format", new FormatRewardFactory())));
    }

    @Test
    void learnsTheFormatRewardWithTheKlOffTheRewardAndTheReferenceNeverMoves() {
        Transformer net = new Transformer(BE, MODEL, 3);
        OnlinePolicyObjective rloo = rloo(Map.of());
        assertEquals(0.05, rloo.settings().beta());
        assertTrue(rloo.needsReference(), "beta 0.05 by default, as TRL's RLOOConfig");
        ReferencePolicy ref = ReferencePolicy.frozen(new Transformer(BE, MODEL, 3), "the initial weights");
        rloo.useReference(ref);
        float[] refBefore = referenceLogits(ref);
        double before = TinyTraining.evaluate(net, rloo, prompts("held-out", 16, 2), SPEC, 5).get("reward");
        TinyTraining.train(net, rloo, prompts("train", 64, 1), SPEC, 60, 1e-2, 7);
        Map<String, Double> after = TinyTraining.evaluate(net, rloo, prompts("held-out", 16, 2), SPEC, 5);
        System.out.printf("rloo: held-out mean reward %.3f -> %.3f, kl %.4f%n", before, after.get("reward"), after.get("kl"));
        assertTrue(after.get("reward") >= 0.8, "held-out mean reward " + after);
        assertTrue(after.get("reward") > before + 0.5, "beats the untrained policy (" + before + ") by 0.5: " + after);
        assertTrue(after.get("kl") > 0, after.toString());
        assertArrayEquals(refBefore, referenceLogits(ref), 0f, "the frozen reference is bit-identical after training");
    }

    @Test
    void oneGenerationIsRefusedNamingTheKey() {
        var e = assertThrows(RuntimeException.class, () -> rloo(Map.of("num_generations", 1)));
        assertTrue(e.getMessage().contains("key 'num_generations'") && e.getMessage().contains(">= 2"), e.getMessage());
        e = assertThrows(RuntimeException.class, () -> rloo(Map.of("loss_type", "grpo")));
        assertTrue(e.getMessage().contains("loss_type") && e.getMessage().contains("known"), e.getMessage());
    }
}
