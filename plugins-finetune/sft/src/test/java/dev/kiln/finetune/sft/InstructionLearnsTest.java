package dev.kiln.finetune.sft;

import dev.kiln.backend.cpu.CpuBackend;
import dev.kiln.api.data.Dataset;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.objective.BatchSpec;
import dev.kiln.api.testing.TinyTraining;
import dev.kiln.api.testing.WordTokenizer;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * "Does it learn": instruction tuning on the generated reverse / copy task ({@link InstructionTask})
 * with packing (CPU backend, 1000 steps of 8 packed rows of 32): held-out completion-token accuracy
 * beats the best prompt-blind guess by ≥ 45 points and the held-out completion loss drops below a
 * quarter of the untrained model's.
 */
class InstructionLearnsTest {

    @Test
    void heldOutCompletionAccuracyBeatsThePromptBlindBaseline() {
        WordTokenizer tok = new WordTokenizer(InstructionTask.vocabulary());
        CpuBackend be = new CpuBackend(2, false);   // scalar kernels: bit-reproducible runs (the Vector API ones vary run to run)
        TransformerConfig cfg = TransformerConfig.gpt2(tok.vocabSize(), 32, 2, 4, 32);
        Dataset train = InstructionTask.generate("train", 3000, 1), test = InstructionTask.generate("test", 200, 2);
        InstructionObjective sft = InstructionFixtures.instruction(Map.of("packing", true), cfg, tok);
        Transformer net = new Transformer(be, cfg, 3);
        sft.checkModel(cfg);
        BatchSpec spec = new BatchSpec(8, 32);

        long t0 = System.nanoTime();
        Map<String, Double> before = TinyTraining.evaluate(net, sft, test, spec, 5);
        double lastLoss = TinyTraining.train(net, sft, train, spec, 1000, 1e-2, 11);
        Map<String, Double> after = TinyTraining.evaluate(net, sft, test, spec, 5);
        double seconds = (System.nanoTime() - t0) / 1e9, baseline = InstructionTask.positionalMajorityBaseline(train, test);
        System.out.printf("instruction learns: untrained %s%n  trained %s%n  last train loss %.4f, prompt-blind baseline %.3f, %.1f s%n",
                before, after, lastLoss, baseline, seconds);

        assertTrue(after.get("token_accuracy") >= baseline + 0.45,
                "held-out token accuracy " + after.get("token_accuracy") + " vs prompt-blind baseline " + baseline);
        assertTrue(after.get("loss") < 0.25 * before.get("loss"), "held-out loss " + after.get("loss") + " vs untrained " + before.get("loss"));
        assertEquals(Math.exp(after.get("loss")), after.get("perplexity"), 1e-9);
    }
}
