package dev.kiln.finetune.kto;

import dev.kiln.api.config.Config;
import dev.kiln.api.data.Dataset;
import dev.kiln.api.finetune.FineTuner;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.objective.BatchSpec;
import dev.kiln.api.objective.ObjectiveContext;
import dev.kiln.api.objective.ReferencePolicy;
import dev.kiln.api.testing.NextLetterTask.Pair;
import dev.kiln.api.testing.TinyTraining;
import dev.kiln.finetune.lora.LoraFineTunerFactory;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static dev.kiln.finetune.kto.KtoTask.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * KTO learns the generated task ({@link KtoTask}) from unpaired labels: on held-out prompts the
 * desirable completion overtakes the undesirable one in log-probability, by a margin over the
 * untrained policy, with full fine-tuning against a frozen copy and with LoRA against the base with
 * its adapter disabled; neither reference moves.
 */
class KtoLearnsTest {
    static final BatchSpec SPEC = new BatchSpec(16, 8);
    static final List<Pair> TRAIN_PAIRS = pairs(256, 1), HELD_OUT = pairs(128, 2);
    static final Dataset TRAIN = unpaired("train", TRAIN_PAIRS, 3), HELD_OUT_ROWS = unpaired("held-out", HELD_OUT, 4);

    @Test
    void fullFineTuningLearnsAndTheFrozenCopyNeverMoves() {
        Transformer net = new Transformer(BE, MODEL, 3);
        ReferencePolicy ref = ReferencePolicy.frozen(new Transformer(BE, MODEL, 3), "the initial weights");
        KtoObjective kto = kto(Map.of("beta", 0.5));
        kto.useReference(ref);
        float[] refBefore = referenceLogits(ref);
        double[] before = preferenceShare(net, HELD_OUT);
        Map<String, Double> evalBefore = TinyTraining.evaluate(net, kto, HELD_OUT_ROWS, SPEC, 5);
        assertEquals(0.0, evalBefore.get("kl"), 1e-6, "the untrained policy is its reference");
        assertEquals(0.0, evalBefore.get("rewards/chosen"), 1e-6);
        TinyTraining.train(net, kto, TRAIN, SPEC, 150, 1e-2, 7);
        double[] after = preferenceShare(net, HELD_OUT);
        Map<String, Double> eval = TinyTraining.evaluate(net, kto, HELD_OUT_ROWS, SPEC, 5);
        System.out.printf("kto (full): held-out desirable-preferred share %.3f -> %.3f, log-prob margin %.3f -> %.3f; rewards/margins %.3f, kl %.3f%n",
                before[0], after[0], before[1], after[1], eval.get("rewards/margins"), eval.get("kl"));
        assertTrue(after[0] >= 0.9, "held-out share " + after[0]);
        assertTrue(after[0] >= before[0] + 0.3, "over the untrained policy by 0.3: " + before[0] + " -> " + after[0]);
        assertTrue(after[1] > before[1] + 2.0, "the desirable completion gains over 2 nats: " + before[1] + " -> " + after[1]);
        assertTrue(eval.get("rewards/chosen") > 0 && eval.get("rewards/rejected") < 0, eval.toString());
        for (String key : List.of("rewards/chosen", "rewards/rejected", "rewards/margins", "logps/chosen", "logps/rejected", "logits/chosen",
                "logits/rejected", "kl", "count/chosen", "count/rejected", "loss"))
            assertTrue(eval.containsKey(key), "metric " + key + " in " + eval.keySet());
        assertArrayEquals(refBefore, referenceLogits(ref), 0f, "the frozen reference is bit-identical after training");
    }

    @Test
    void loraLearnsAgainstTheBaseWithItsAdapterDisabled() {
        Transformer net = new Transformer(BE, MODEL.toBuilder().initStd(0.1f).build(), 4);
        KtoObjective kto = kto(Map.of("beta", 0.5));
        FineTuner lora = new LoraFineTunerFactory().create(new Config("finetune.method", Map.of("r", 8, "alpha", 16,
                "target_modules", List.of("attn.qkv", "attn.out", "mlp.up", "mlp.down"))), new ObjectiveContext(TOKENIZER, BE, MODEL, 1));
        lora.configure(net, null);
        ReferencePolicy ref = ReferencePolicy.adaptersDisabled(net);
        kto.useReference(ref);
        float[] refBefore = referenceLogits(ref);
        double[] before = preferenceShare(net, HELD_OUT);
        TinyTraining.train(net, kto, TRAIN, SPEC, 200, 3e-2, 7);
        double[] after = preferenceShare(net, HELD_OUT);
        System.out.printf("kto (lora): held-out desirable-preferred share %.3f -> %.3f, log-prob margin %.3f -> %.3f%n", before[0], after[0],
                before[1], after[1]);
        assertTrue(after[0] >= 0.8 && after[0] >= before[0] + 0.2, "held-out share " + before[0] + " -> " + after[0]);
        assertArrayEquals(refBefore, referenceLogits(ref), 0f, "the adapter-disabled reference is bit-identical after training");
    }

    @Test
    void aBatchOfOneIsRefusedForTheKlEstimate() {
        var e = assertThrows(IllegalArgumentException.class, () -> kto(Map.of()).prepare(TRAIN, new BatchSpec(1, 8), 1));
        assertTrue(e.getMessage().contains("train.batch_size"), e.getMessage());
        assertFalse(kto(Map.of("loss_type", "apo_zero_unpaired")).prepare(TRAIN, new BatchSpec(1, 8), 1).isEmpty(), "apo_zero_unpaired needs no KL rows");
    }
}
