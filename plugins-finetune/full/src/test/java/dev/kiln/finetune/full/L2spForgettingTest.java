package dev.kiln.finetune.full;

import dev.kiln.api.autograd.GradMode;
import dev.kiln.api.backend.Backend;
import dev.kiln.backend.cpu.CpuBackend;
import dev.kiln.api.config.Config;
import dev.kiln.api.finetune.FineTuner;
import dev.kiln.api.nn.ModelInput;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.ops.Arithmetic;
import dev.kiln.api.ops.Losses;
import dev.kiln.api.optim.AdamW;
import dev.kiln.api.optim.ParamGroup;
import dev.kiln.api.tensor.IntTensor;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.testing.TestTokenizers;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Does L2-SP reduce forgetting: pretrain a tiny causal GPT-2 on task A (each lowercase letter of
 * a–p → the letter 1 after it), then fully fine-tune it on task B (each uppercase letter of A–P →
 * the letter 5 after it) without and with L2-SP, and compare the rise of A's held-out loss
 * ("forgetting") and B's held-out loss. The two tasks share no token, so B can be learned without
 * unlearning A; plain fine-tuning still drifts the shared weights far enough to lose A.
 * On the CPU backend (one thread) for speed: about 10 s.
 */
class L2spForgettingTest {
    static final int K = 16, B = 16, T = 16;
    static final TransformerConfig CFG = TransformerConfig.gpt2(TestTokenizers.BYTE_VOCAB, 32, 2, 2, T);

    /** A task: letters from {@code first} mapped {@code shift} letters on. */
    record Task(char first, int shift) {
        IntTensor[] batch(Random rng) {
            int[] ids = new int[B * T], targets = new int[B * T];
            for (int i = 0; i < ids.length; i++) {
                int k = rng.nextInt(K);
                ids[i] = first + k;
                targets[i] = first + (k + shift) % K;
            }
            return new IntTensor[] {new IntTensor(ids, B, T), new IntTensor(targets, B, T)};
        }
    }

    static final Task A = new Task('a', 1), TASK_B = new Task('A', 5);
    static final Backend BE = new CpuBackend(1);

    static void train(Transformer m, FineTuner tuner, Task task, int steps, double lr, long seed) {
        List<ParamGroup> groups = new ArrayList<>();
        m.namedParameters().forEach((k, v) -> groups.add(new ParamGroup(k, v, 1.0, 0.0)));
        AdamW opt = new AdamW(groups, 0.9, 0.98, 1e-8);
        Random rng = new Random(seed);
        for (int s = 0; s < steps; s++) {
            IntTensor[] b = task.batch(rng);
            m.parameters().forEach(Tensor::zeroGrad);
            Tensor loss = Losses.crossEntropy(m.logits(m.forward(ModelInput.of(b[0]))), b[1]);
            Tensor reg = tuner == null ? null : tuner.regularizer(m);
            (reg == null ? loss : Arithmetic.add(loss, reg)).backward();
            opt.step(lr * Math.min(1.0, (s + 1) / 20.0));
        }
    }

    /** Mean cross-entropy on 4 held-out batches (a seed never used for training). */
    static double heldOutLoss(Transformer m, Task task) {
        Random rng = new Random(987_654);
        double loss = 0;
        m.train(false);
        try (var g = GradMode.noGrad()) {
            for (int n = 0; n < 4; n++) {
                IntTensor[] b = task.batch(rng);
                loss += Losses.crossEntropy(m.logits(m.forward(ModelInput.of(b[0]))), b[1]).item();
            }
        } finally {
            m.train(true);
        }
        return loss / 4;
    }

    static Transformer copy(Transformer m) {
        Transformer c = new Transformer(BE, CFG, 99);
        Map<String, Tensor> to = c.namedParameters();
        m.namedParameters().forEach((k, v) -> to.get(k).copyFrom(v.toArray()));
        return c;
    }

    static FineTuner full(double l2sp) {
        return new FullFineTunerFactory().create(new Config("finetune 'full'", Map.of("l2sp", l2sp)), null);
    }

    @Test
    void l2spForgetsTaskALessWhileStillLearningTaskB() {
        long t0 = System.nanoTime();
        Transformer pretrained = new Transformer(BE, CFG, 7);
        train(pretrained, null, A, 150, 3e-3, 1);
        double aBefore = heldOutLoss(pretrained, A), bBefore = heldOutLoss(pretrained, TASK_B);
        assertTrue(aBefore < 0.1, "pretraining did not learn task A: held-out loss " + aBefore);

        double alpha = 0.3;
        double[][] after = new double[2][];                      // {A held-out loss, B held-out loss} for l2sp 0 and alpha
        for (int i = 0; i < 2; i++) {
            Transformer m = copy(pretrained);
            FineTuner tuner = full(i == 0 ? 0 : alpha);
            tuner.configure(m, null);
            train(m, tuner, TASK_B, 150, 3e-3, 2);
            after[i] = new double[] {heldOutLoss(m, A), heldOutLoss(m, TASK_B)};
        }
        double forgetPlain = after[0][0] - aBefore, forgetL2sp = after[1][0] - aBefore;
        String numbers = String.format(java.util.Locale.ROOT,
                "A held-out loss %.3f before; after fine-tuning on B: plain %.3f (forgetting %+.3f), l2sp=%s %.3f (forgetting %+.3f) | "
                        + "B held-out loss %.3f before; plain %.3f, l2sp %.3f | %.1f s",
                aBefore, after[0][0], forgetPlain, alpha, after[1][0], forgetL2sp, bBefore, after[0][1], after[1][1], (System.nanoTime() - t0) / 1e9);
        System.out.println("l2sp forgetting: " + numbers);
        assertTrue(forgetPlain > 1.0, "plain fine-tuning should forget task A here, or the comparison shows nothing: " + numbers);
        assertTrue(after[0][1] < 0.25 * bBefore, "plain fine-tuning did not learn task B: " + numbers);
        assertTrue(forgetL2sp < 0.25 * forgetPlain, "L2-SP should forget task A much less: " + numbers);
        assertTrue(after[1][1] < 0.25 * bBefore, "with L2-SP task B must still be learned: " + numbers);
    }
}
