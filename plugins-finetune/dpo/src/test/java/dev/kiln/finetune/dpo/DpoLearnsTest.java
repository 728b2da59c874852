package dev.kiln.finetune.dpo;

import dev.kiln.api.config.Config;
import dev.kiln.api.data.Batch;
import dev.kiln.api.data.Dataset;
import dev.kiln.api.finetune.FineTuner;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.objective.BatchSpec;
import dev.kiln.api.objective.ObjectiveContext;
import dev.kiln.api.objective.ReferencePolicy;
import dev.kiln.api.testing.TinyTraining;
import dev.kiln.finetune.lora.LoraFineTunerFactory;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.kiln.finetune.dpo.PreferenceTask.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * DPO learns the generated preference ({@link PreferenceTask}) with full fine-tuning against a
 * frozen copy and with LoRA against the same model with its adapter disabled; the reference never
 * moves; precomputed reference log-probs give the same loss as a reference forward per step.
 */
class DpoLearnsTest {
    static final BatchSpec SPEC = new BatchSpec(16, 8);
    static final Dataset TRAIN = data("train", 256, 1), HELD_OUT = data("held-out", 64, 2);

    @Test
    void fullFineTuningLearnsThePreferenceAndTheFrozenCopyNeverMoves() {
        Transformer net = model(3);
        ReferencePolicy ref = ReferencePolicy.frozen(model(3), "the initial weights");
        DpoObjective dpo = dpo(Map.of("beta", 0.5));
        dpo.useReference(ref);
        float[] refBefore = referenceLogits(ref);
        Map<String, Double> before = TinyTraining.evaluate(net, dpo, HELD_OUT, SPEC, 5);
        // the untrained policy is its reference: every implicit reward is 0, so no pair is "accurate" (TRL counts chosen > rejected)
        assertEquals(0.0, before.get("rewards/accuracies"), 1e-9);
        double marginBefore = before.get("logps/chosen") - before.get("logps/rejected");
        TinyTraining.train(net, dpo, TRAIN, SPEC, 150, 1e-2, 7);
        Map<String, Double> after = TinyTraining.evaluate(net, dpo, HELD_OUT, SPEC, 5);
        double marginAfter = after.get("logps/chosen") - after.get("logps/rejected");
        System.out.printf("dpo (full): held-out rewards/accuracies %.3f, margins %.3f; log-prob margin %.3f -> %.3f%n",
                after.get("rewards/accuracies"), after.get("rewards/margins"), marginBefore, marginAfter);
        assertTrue(after.get("rewards/accuracies") >= 0.9, "held-out preference accuracy " + after);
        assertTrue(marginAfter > marginBefore + 2.0, "the chosen completion gains over 2 nats on the rejected one: " + marginBefore + " -> " + marginAfter);
        assertTrue(after.get("rewards/margins") > 0.5, after.toString());
        for (String key : List.of("rewards/chosen", "rewards/rejected", "rewards/accuracies", "rewards/margins", "logps/chosen", "logps/rejected",
                "logits/chosen", "logits/rejected", "loss"))
            assertTrue(after.containsKey(key), "metric " + key + " in " + after.keySet());
        assertArrayEquals(refBefore, referenceLogits(ref), 0f, "the frozen reference is bit-identical after training");
    }

    @Test
    void loraReferenceIsTheBaseWithTheAdapterDisabledAndLearns() {
        Transformer net = new Transformer(BE, WIDE_INIT, 4);
        DpoObjective dpo = dpo(Map.of("beta", 0.5));
        FineTuner lora = new LoraFineTunerFactory().create(new Config("finetune.method", Map.of("r", 8, "alpha", 16,
                "target_modules", List.of("attn.qkv", "attn.out", "mlp.up", "mlp.down"))), new ObjectiveContext(TOKENIZER, BE, MODEL, 1));
        lora.configure(net, null);
        assertTrue(net.hasAdapters());
        ReferencePolicy ref = ReferencePolicy.adaptersDisabled(net);
        dpo.useReference(ref);
        float[] refBefore = referenceLogits(ref);
        Map<String, Double> before = TinyTraining.evaluate(net, dpo, HELD_OUT, SPEC, 5);
        TinyTraining.train(net, dpo, TRAIN, SPEC, 200, 3e-2, 7);
        Map<String, Double> after = TinyTraining.evaluate(net, dpo, HELD_OUT, SPEC, 5);
        System.out.printf("dpo (lora): held-out rewards/accuracies %.3f -> %.3f, margins %.3f%n", before.get("rewards/accuracies"),
                after.get("rewards/accuracies"), after.get("rewards/margins"));
        assertTrue(after.get("rewards/accuracies") >= 0.8, "held-out preference accuracy " + after);
        float[] refAfter = referenceLogits(ref);
        assertArrayEquals(refBefore, refAfter, 0f, "the adapter-disabled reference is bit-identical after training");
        assertArrayEquals(referenceLogits(ReferencePolicy.frozen(new Transformer(BE, WIDE_INIT, 4), "a fresh copy of the base")), refAfter, 1e-6f,
                "the adapter-disabled reference equals a frozen copy of the base");
        assertFalse(Arrays.equals(refAfter, net.logits(net.forward(dev.kiln.api.nn.ModelInput.of(
                new dev.kiln.api.tensor.IntTensor(new int[] {6, 7, 8, 9, 10, 11, 12, 13, 6, 8, 10, 12}, 2, 6)))).toArray()),
                "the policy itself moved");
    }

    @Test
    void qloraLearnsAgainstItsFourBitBase() {
        Transformer net = new Transformer(BE, WIDE_INIT, 4);
        DpoObjective dpo = dpo(Map.of("beta", 0.5));
        FineTuner qlora = new LoraFineTunerFactory().create(new Config("finetune.method", Map.of("r", 8, "alpha", 16, "quantize", "nf4",
                "target_modules", List.of("attn.qkv", "attn.out", "mlp.up", "mlp.down"))), new ObjectiveContext(TOKENIZER, BE, MODEL, 1));
        qlora.configure(net, null);
        assertTrue(net.blocks().get(0).attention().namedModules().values().stream()
                .anyMatch(m -> m instanceof dev.kiln.api.nn.Linear l && l.isQuantized()), "the base linears are 4-bit");
        ReferencePolicy ref = ReferencePolicy.adaptersDisabled(net);
        dpo.useReference(ref);
        float[] refBefore = referenceLogits(ref);
        TinyTraining.train(net, dpo, TRAIN, SPEC, 200, 3e-2, 7);
        Map<String, Double> after = TinyTraining.evaluate(net, dpo, HELD_OUT, SPEC, 5);
        System.out.printf("dpo (qlora nf4): held-out rewards/accuracies %.3f, margins %.3f%n", after.get("rewards/accuracies"), after.get("rewards/margins"));
        assertTrue(after.get("rewards/accuracies") >= 0.8, "held-out preference accuracy " + after);
        assertArrayEquals(refBefore, referenceLogits(ref), 0f, "the 4-bit base, adapter disabled, is bit-identical after training");
    }

    @Test
    void precomputedReferenceLogProbsGiveTheSameLossAsAReferenceForwardPerStep() {
        Transformer net = model(5);
        ReferencePolicy ref = ReferencePolicy.frozen(model(6), "another model");   // a reference that differs from the policy
        Map<String, Object> cfg = new LinkedHashMap<>(Map.of("beta", 0.3, "shuffle", false));
        DpoObjective perStep = dpo(cfg);
        cfg.put("precompute_ref_log_probs", true);
        DpoObjective precomputed = dpo(cfg);
        perStep.useReference(ref);
        precomputed.useReference(ref);
        Batch a = perStep.prepare(HELD_OUT, SPEC, 1).get(1), b = precomputed.prepare(HELD_OUT, SPEC, 1).get(1);
        assertNotNull(b.floats("ref_logps"));
        net.train(false);
        var x = perStep.compute(net, a).metrics();
        var y = precomputed.compute(net, b).metrics();
        assertEquals(x.get("loss"), y.get("loss"), 1e-6);
        assertEquals(x.get("rewards/margins"), y.get("rewards/margins"), 1e-6);
        assertNotEquals(0.0, x.get("rewards/margins"), "a reference unlike the policy gives nonzero rewards");
    }
}
