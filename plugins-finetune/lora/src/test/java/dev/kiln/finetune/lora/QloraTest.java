package dev.kiln.finetune.lora;

import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.config.ConfigException;
import dev.kiln.api.nn.Linear;
import dev.kiln.api.nn.ModelInput;
import dev.kiln.api.nn.Module;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.ops.Losses;
import dev.kiln.api.quant.FourBitType;
import dev.kiln.api.tensor.IntTensor;
import dev.kiln.api.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import static dev.kiln.finetune.lora.LoraFineTunerTest.*;
import static org.junit.jupiter.api.Assertions.*;

/** LoRA over a 4-bit base (QLoRA): config keys, gradients equal LoRA's on the dequantized base, export merges into float weights. */
class QloraTest {
    static Map<String, Object> cfg(Object... kv) {
        Map<String, Object> m = new HashMap<>(Map.of("r", 4, "alpha", 8, "target_modules", java.util.List.of("all-linear")));
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
        return m;
    }

    static Map<String, Linear> linears(Module m) {
        Map<String, Linear> out = new HashMap<>();
        m.namedModules().forEach((k, v) -> { if (v instanceof Linear l) out.put(k, l); });
        return out;
    }

    /** Sets every lora_B to the same nonzero values on both models, so lora_A gets a gradient too. */
    static void randomB(Transformer... models) {
        for (Transformer m : models) {
            Random rng = new Random(9);
            for (LoraLayer l : Lora.layers(m, "default").values()) {
                float[] b = new float[l.loraB().size()];
                for (int i = 0; i < b.length; i++) b[i] = (float) rng.nextGaussian() * 0.1f;
                l.loraB().copyFrom(b);
            }
        }
    }

    static void step(Transformer m) {
        m.parameters().forEach(Tensor::zeroGrad);
        Losses.crossEntropy(m.logits(m.forward(ModelInput.of(ids()))), new IntTensor(new int[16], 2, 8)).backward();
    }

    @Test
    void factoryKeysAndTheirDefaults() {
        assertFalse(lora(cfg()).quantize().enabled());
        QuantizeConfig nf4 = lora(cfg("quantize", "nf4")).quantize();
        assertEquals(new QuantizeConfig(FourBitType.NF4, true, 64), nf4);
        assertEquals(new QuantizeConfig(FourBitType.FP4, false, 64), lora(cfg("quantize", "fp4")).quantize());
        assertEquals(new QuantizeConfig(FourBitType.NF4, false, 128), lora(cfg("quantize", "nf4", "double_quant", false, "blocksize", 128)).quantize());
        assertTrue(lora(cfg("quantize", "nf4")).toString().contains("quantize=nf4, double_quant=true, blocksize=64"));
        var e = assertThrows(ConfigException.class, () -> lora(cfg("quantize", "nf4", "blocksize", 100)));
        assertTrue(e.getMessage().contains("blocksize"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> lora(cfg("double_quant", true)));
        assertTrue(e.getMessage().contains("double_quant"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> lora(cfg("quantize", "int4")));
        assertTrue(e.getMessage().contains("quantize"), e.getMessage());
    }

    /** Both GPT (fused qkv, biases) and LLaMA (gate, no biases); nf4 + double quant, fp4 plain, blocks of 32 and 64. */
    @Test
    void adapterGradientsEqualLoraOnTheDequantizedBase() {
        for (TransformerConfig tc : new TransformerConfig[] {GPT, LLAMA})
            for (Object[] q : new Object[][] {{"nf4", true, 64}, {"fp4", false, 32}}) {
                Transformer qm = new Transformer(new NaiveBackend(), tc, 4), fm = new Transformer(new NaiveBackend(), tc, 4);
                lora(cfg("quantize", q[0], "double_quant", q[1], "blocksize", q[2])).configure(qm, null);
                Map<String, Linear> ql = linears(qm), fl = linears(fm);
                assertFalse(ql.isEmpty());
                for (var e : ql.entrySet()) {
                    assertTrue(e.getValue().isQuantized(), e.getKey());
                    fl.get(e.getKey()).weight().copyFrom(e.getValue().quantizedWeight().dequantize());
                }
                lora(cfg()).configure(fm, null);
                randomB(qm, fm);
                step(qm);
                step(fm);
                Map<String, Tensor> qp = qm.namedParameters(), fp = fm.namedParameters();
                int adapters = 0;
                for (var e : qp.entrySet()) {
                    Tensor t = e.getValue();
                    if (!t.requiresGrad()) continue;
                    assertNotNull(t.grad(), e.getKey());
                    float d = maxDiff(fp.get(e.getKey()).grad().toArray(), t.grad().toArray());
                    assertTrue(d <= 1e-5f, tc.norm() + " " + q[0] + " " + e.getKey() + ": gradient differs by " + d);
                    if (e.getKey().contains(".lora_default.")) adapters++;
                }
                assertEquals(2 * ql.size(), adapters, "lora_A and lora_B of every targeted layer");
                for (var e : qp.entrySet()) assertFalse(e.getKey().endsWith("attn.qkv.weight"), "no float base weight: " + e.getKey());
            }
    }

    @Test
    void exportMergesIntoTheFourBitBaseWithoutDecodingIt(@TempDir Path dir) throws Exception {
        Transformer m = new Transformer(new NaiveBackend(), GPT, 2);
        LoraFineTuner tuner = lora(cfg("quantize", "nf4"));
        tuner.configure(m, null);
        randomB(m);
        float[] before = logits(m);
        Map<String, float[]> base = new HashMap<>();
        linears(m).forEach((k, l) -> base.put(k, l.quantizedWeight().dequantize()));
        tuner.export(m, dir);
        assertTrue(Lora.adapterNames(m).isEmpty());
        for (var e : linears(m).entrySet()) {
            assertTrue(e.getValue().frozenWeight() instanceof dev.kiln.api.quant.LowRankMergedWeight merged
                    && merged.base() instanceof dev.kiln.api.quant.Quantized4Bit, e.getKey() + " keeps its 4-bit base, the update merged in");
            assertTrue(maxDiff(base.get(e.getKey()), e.getValue().frozenWeight().dequantize()) > 0, "adapter merged into " + e.getKey());
        }
        assertTrue(maxDiff(before, logits(m)) < 1e-4f, "merged float model computes what the 4-bit base + adapter did");
        assertTrue(dir.resolve("adapter").resolve("adapter_model.safetensors").toFile().exists());
    }
}
