package dev.kiln.finetune.lora;

import dev.kiln.api.autograd.GradMode;
import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.config.Config;
import dev.kiln.api.nn.ModelInput;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.nn.TransformerConfig;
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
 * Does it learn: pretrain a tiny GPT-2 (all parameters) to map each letter of a 16-letter
 * alphabet to the letter 1 after it, then LoRA-adapt the frozen model to a shifted task (5 after)
 * and compare with the un-adapted model on held-out random sequences.
 */
class LoraLearnsTest {
    static final int K = 16, B = 16, T = 16, FIRST = 'a';
    static final TransformerConfig CFG = TransformerConfig.gpt2(TestTokenizers.BYTE_VOCAB, 32, 2, 2, T);

    /** ids [B, T] of random letters and targets shifted by {@code shift} letters. */
    static IntTensor[] batch(Random rng, int shift) {
        int[] ids = new int[B * T], targets = new int[B * T];
        for (int i = 0; i < ids.length; i++) {
            int k = rng.nextInt(K);
            ids[i] = FIRST + k;
            targets[i] = FIRST + (k + shift) % K;
        }
        return new IntTensor[] {new IntTensor(ids, B, T), new IntTensor(targets, B, T)};
    }

    static void train(Transformer m, int shift, int steps, double lr, long seed) {
        List<ParamGroup> groups = new ArrayList<>();
        m.namedParameters().forEach((k, v) -> groups.add(new ParamGroup(k, v, 1.0, 0.0)));
        AdamW opt = new AdamW(groups, 0.9, 0.98, 1e-8);
        Random rng = new Random(seed);
        for (int s = 0; s < steps; s++) {
            IntTensor[] b = batch(rng, shift);
            m.parameters().forEach(Tensor::zeroGrad);
            Losses.crossEntropy(m.logits(m.forward(ModelInput.of(b[0]))), b[1]).backward();
            opt.step(lr * Math.min(1.0, (s + 1) / 20.0));
        }
    }

    /** {loss, accuracy} on 8 held-out batches (a seed never used for training). */
    static double[] evaluate(Transformer m, int shift) {
        Random rng = new Random(987_654);
        double loss = 0, correct = 0;
        m.train(false);
        try (var g = GradMode.noGrad()) {
            for (int n = 0; n < 8; n++) {
                IntTensor[] b = batch(rng, shift);
                Tensor logits = m.logits(m.forward(ModelInput.of(b[0])));
                loss += Losses.crossEntropy(logits, b[1]).item();
                float[] l = logits.toArray();
                int v = CFG.vocab();
                for (int i = 0; i < B * T; i++) {
                    int best = 0;
                    for (int c = 1; c < v; c++) if (l[i * v + c] > l[i * v + best]) best = c;
                    if (best == b[1].data()[i]) correct++;
                }
            }
        } finally {
            m.train(true);
        }
        return new double[] {loss / 8, correct / (8.0 * B * T)};
    }

    @Test
    void loraAdaptsAFrozenPretrainedModelToAShiftedTask() {
        long t0 = System.nanoTime();
        Transformer m = new Transformer(new NaiveBackend(), CFG, 7);
        train(m, 1, 150, 3e-3, 1);
        double[] pre = evaluate(m, 1);
        assertTrue(pre[1] > 0.9, "pretraining did not learn the +1 task: accuracy " + pre[1]);
        double[] base = evaluate(m, 5);

        LoraFineTuner lora = (LoraFineTuner) new LoraFineTunerFactory().create(new Config("finetune 'lora'",
                Map.of("r", 4, "alpha", 8, "target_modules", "all-linear")), null);
        lora.configure(m, null);
        double trainablePct = lora.parameterReport().percent();
        train(m, 5, 120, 1e-2, 2);
        double[] adapted = evaluate(m, 5);
        double seconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf("lora learns: pretrain(+1) acc %.3f | shifted(+5) held-out: base loss %.3f acc %.3f -> lora loss %.3f acc %.3f"
                + " | trainable %.2f%% | %.1f s%n", pre[1], base[0], base[1], adapted[0], adapted[1], trainablePct, seconds);
        assertTrue(adapted[1] >= base[1] + 0.5, "adapted accuracy " + adapted[1] + " vs un-adapted " + base[1]);
        assertTrue(adapted[1] >= 1.0 / K + 0.5, "adapted accuracy " + adapted[1] + " vs the majority-class baseline " + 1.0 / K);
        assertTrue(adapted[0] < base[0] - 1.0, "held-out loss " + adapted[0] + " vs un-adapted " + base[0]);
    }
}
