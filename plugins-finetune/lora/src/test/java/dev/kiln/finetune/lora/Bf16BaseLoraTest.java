package dev.kiln.finetune.lora;

import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.io.HalfFloats;
import dev.kiln.api.nn.FrozenWeights;
import dev.kiln.api.nn.Linear;
import dev.kiln.api.nn.ModelInput;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.ops.Losses;
import dev.kiln.api.tensor.IntTensor;
import dev.kiln.api.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static dev.kiln.finetune.lora.LoraFineTunerTest.*;
import static dev.kiln.finetune.lora.QloraTest.cfg;
import static dev.kiln.finetune.lora.QloraTest.linears;
import static dev.kiln.finetune.lora.QloraTest.randomB;
import static org.junit.jupiter.api.Assertions.*;

/**
 * LoRA over a base whose frozen linears are stored as bf16 (model.frozen_dtype: bf16): adapter gradients equal
 * LoRA's over an fp32 base holding the same bf16-rounded weights (within 1e-6), training on top lowers the
 * loss, and export merges into float weights.
 */
class Bf16BaseLoraTest {
    private static float[] rounded(float[] w) {
        float[] r = new float[w.length];
        for (int i = 0; i < w.length; i++) r[i] = HalfFloats.bf16ToFloat(HalfFloats.floatToBf16(w[i]));
        return r;
    }

    private static float loss(Transformer m) {
        return Losses.crossEntropy(m.logits(m.forward(ModelInput.of(ids()))), new IntTensor(new int[16], 2, 8)).item();
    }

    @Test
    void adapterGradientsEqualLoraOnTheRoundedFloatBase() {
        for (TransformerConfig tc : new TransformerConfig[] {GPT, LLAMA}) {
            Transformer bm = new Transformer(new NaiveBackend(), tc, 4), fm = new Transformer(new NaiveBackend(), tc, 4);
            lora(cfg()).configure(bm, null);
            assertEquals(linears(bm).size(), FrozenWeights.storeBf16(bm).size(), "every base linear stored as bf16");
            Map<String, Linear> fl = linears(fm);
            fl.values().forEach(l -> l.weight().copyFrom(rounded(l.weight().toArray())));
            lora(cfg()).configure(fm, null);
            randomB(bm, fm);
            QloraTest.step(bm);
            QloraTest.step(fm);
            Map<String, Tensor> bp = bm.namedParameters(), fp = fm.namedParameters();
            int adapters = 0;
            for (var e : bp.entrySet()) {
                if (!e.getValue().requiresGrad()) continue;
                float d = maxDiff(fp.get(e.getKey()).grad().toArray(), e.getValue().grad().toArray());
                assertTrue(d <= 1e-6f, tc.norm() + " " + e.getKey() + ": gradient differs by " + d);
                if (e.getKey().contains(".lora_default.")) adapters++;
                assertFalse(e.getKey().endsWith("attn.qkv.weight"), "no float base weight: " + e.getKey());
            }
            assertEquals(2 * linears(bm).size(), adapters, "lora_A and lora_B of every targeted layer");
        }
    }

    @Test
    void trainingOnTopLowersTheLossAndExportMergesIntoFloatWeights(@TempDir Path dir) throws Exception {
        Transformer m = new Transformer(new NaiveBackend(), LLAMA, 2);
        LoraFineTuner tuner = lora(cfg());
        tuner.configure(m, null);
        FrozenWeights.storeBf16(m);
        float before = loss(m);
        steps(m, 5);
        float after = loss(m);
        assertTrue(after < before - 0.1f, "loss " + before + " → " + after);
        float[] trained = logits(m);
        tuner.export(m, dir);
        for (var e : linears(m).entrySet())
            assertTrue(e.getValue().frozenWeight() instanceof dev.kiln.api.quant.LowRankMergedWeight, e.getKey() + ": bf16 base, update merged in");
        assertTrue(maxDiff(trained, logits(m)) < 1e-4f, "merged float model computes what the bf16 base + adapter did");
    }
}
