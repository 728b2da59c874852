package dev.kiln.finetune.dpo;

import dev.kiln.api.config.Config;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.objective.BatchSpec;
import dev.kiln.api.objective.Objective;
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
 * Online DPO learns what the {@code format} reward plugin asks for (a completion that starts with "a", which a
 * random policy draws about 1 time in 14) from pairs it samples itself: the held-out mean reward of sampled
 * completions rises past 0.6 and beats the untrained policy by 0.4; the frozen reference never moves.
 */
class OnlineDpoLearnsTest {
    static final BatchSpec SPEC = new BatchSpec(8, 8);

    static Objective onlineDpo(Map<String, Object> extra) {
        Map<String, Object> cfg = new LinkedHashMap<>(Map.of("rewards", List.of(Map.of("name", "format", "pattern", "^a")),
                "max_completion_length", 2, "temperature", 1.0));
        cfg.putAll(extra);
        return new OnlineDpoFineTunerFactory().objective(new Config("finetune.signal", cfg), context(Map.of("format", new FormatRewardFactory())));
    }

    @Test
    void learnsTheFormatRewardFromItsOwnPairsAndLeavesTheReferenceAlone() {
        Transformer net = new Transformer(BE, MODEL, 3);
        Objective dpo = onlineDpo(Map.of());
        assertTrue(dpo.needsReference());
        ReferencePolicy ref = ReferencePolicy.frozen(new Transformer(BE, MODEL, 3), "the initial weights");
        dpo.useReference(ref);
        float[] refBefore = referenceLogits(ref);
        double before = TinyTraining.evaluate(net, dpo, prompts("held-out", 16, 2), SPEC, 5).get("reward");
        TinyTraining.train(net, dpo, prompts("train", 64, 1), SPEC, 60, 1e-2, 7);
        Map<String, Double> after = TinyTraining.evaluate(net, dpo, prompts("held-out", 16, 2), SPEC, 5);
        System.out.printf("online_dpo: held-out mean reward %.3f -> %.3f%n", before, after.get("reward"));
        assertTrue(after.get("reward") >= 0.6, "held-out mean reward " + after);
        assertTrue(after.get("reward") > before + 0.4, "beats the untrained policy (" + before + ") by 0.4: " + after);
        assertArrayEquals(refBefore, referenceLogits(ref), 0f, "the frozen reference is bit-identical after training");
        for (String key : List.of("objective/scores", "objective/kl", "rewards/format/mean", "tied_fraction", "val/contain_eos_token", "loss"))
            assertTrue(after.containsKey(key), "metric " + key + " in " + after.keySet());
    }

    @Test
    void badConfigIsRefusedNamingTheKey() {
        var e = assertThrows(RuntimeException.class, () -> onlineDpo(Map.of("loss_type", "hinge")));
        assertTrue(e.getMessage().contains("key 'loss_type'"), e.getMessage());
        e = assertThrows(RuntimeException.class, () -> onlineDpo(Map.of("num_generations", 4)));
        assertTrue(e.getMessage().contains("key 'num_generations'"), e.getMessage());
        e = assertThrows(RuntimeException.class, () -> onlineDpo(Map.of("beta", 0)));
        assertTrue(e.getMessage().contains("key 'beta'"), e.getMessage());
        e = assertThrows(RuntimeException.class, () -> onlineDpo(Map.of("lr", 1)));
        assertTrue(e.getMessage().contains("lr"), e.getMessage());
    }
}
