package dev.kiln.finetune.lora;

import dev.kiln.api.autograd.GradMode;
import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.config.Config;
import dev.kiln.api.config.ConfigException;
import dev.kiln.api.finetune.FineTunerFactory;
import dev.kiln.api.nn.ModelInput;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.objective.ObjectiveContext;
import dev.kiln.api.ops.Losses;
import dev.kiln.api.optim.AdamW;
import dev.kiln.api.optim.ParamGroup;
import dev.kiln.api.tensor.IntTensor;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.testing.TestTokenizers;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

import static org.junit.jupiter.api.Assertions.*;

class LoraFineTunerTest {
    static final TransformerConfig GPT = TransformerConfig.gpt2(TestTokenizers.BYTE_VOCAB, 16, 2, 2, 16);
    static final TransformerConfig LLAMA = TransformerConfig.llama(TestTokenizers.BYTE_VOCAB, 16, 2, 4, 2, 32, 16);

    static LoraFineTuner lora(Map<String, Object> cfg) {
        return (LoraFineTuner) new LoraFineTunerFactory().create(new Config("finetune 'lora'", cfg),
                new ObjectiveContext(TestTokenizers.bytes(), new NaiveBackend(), GPT, 1));
    }

    static IntTensor ids() {
        int[] v = new int[2 * 8];
        for (int i = 0; i < v.length; i++) v[i] = (i * 29 + 5) % 200;
        return new IntTensor(v, 2, 8);
    }

    /** Eval-mode logits for a fixed input. */
    static float[] logits(Transformer m) {
        m.train(false);
        try (var g = GradMode.noGrad()) {
            return m.logits(m.forward(ModelInput.of(ids()))).toArray();
        } finally {
            m.train(true);
        }
    }

    static Map<String, float[]> snapshot(Map<String, Tensor> params) {
        Map<String, float[]> out = new LinkedHashMap<>();
        params.forEach((k, v) -> out.put(k, v.toArray()));
        return out;
    }

    /** A few AdamW steps (weight decay on, every parameter handed over) toward random nonzero B. */
    static void steps(Transformer m, int n) {
        List<ParamGroup> groups = new ArrayList<>();
        m.namedParameters().forEach((k, v) -> groups.add(new ParamGroup(k, v, 1.0, 0.1)));
        AdamW opt = new AdamW(groups, 0.9, 0.999, 1e-8);
        for (int s = 0; s < n; s++) {
            m.parameters().forEach(Tensor::zeroGrad);
            Losses.crossEntropy(m.logits(m.forward(ModelInput.of(ids()))), new IntTensor(new int[16], 2, 8)).backward();
            opt.step(0.05);
        }
    }

    static float maxDiff(float[] a, float[] b) {
        float d = 0;
        for (int i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
        return d;
    }

    @Test
    void isDiscoveredAsAParametersMethod() {
        FineTunerFactory found = null;
        for (FineTunerFactory f : ServiceLoader.load(FineTunerFactory.class)) if (f.name().equals("lora")) found = f;
        assertNotNull(found, "lora is not registered in META-INF/services");
        assertEquals(FineTunerFactory.Role.PARAMETERS, found.role());
    }

    @Test
    void defaultsMatchPeftAndConfigIsStrict() {
        LoraConfig c = lora(Map.of()).config();
        assertEquals(new LoraConfig(8, 16, 0, false, List.of("attn.qkv"), "default"), c);
        assertEquals(2.0, c.scaling(), 1e-12);
        assertEquals(16 / Math.sqrt(8), lora(Map.of("use_rslora", true)).config().scaling(), 1e-12);
        assertEquals(List.of("attn.qkv", "mlp.up"), lora(Map.of("target_modules", "attn.qkv, mlp.up")).config().targetModules());
        ConfigException unknown = assertThrows(ConfigException.class, () -> lora(Map.of("lora_alpha", 16)));
        assertTrue(unknown.getMessage().contains("alpha") && unknown.getMessage().contains("target_modules"), unknown.getMessage());
        assertThrows(ConfigException.class, () -> lora(Map.of("r", 0)));
        assertThrows(ConfigException.class, () -> lora(Map.of("alpha", -1)));
        assertThrows(ConfigException.class, () -> lora(Map.of("dropout", 1.0)));
        assertThrows(ConfigException.class, () -> lora(Map.of("adapter_name", "a.b")));
        assertThrows(ConfigException.class, () -> lora(Map.of("target_modules", List.of())));
    }

    @Test
    void targetsMatchPathsBySuffixRegexOrAllLinear() {
        Transformer m = new Transformer(new NaiveBackend(), LLAMA, 1);
        assertEquals(List.of("blocks.0.attn.qkv", "blocks.1.attn.qkv"), List.copyOf(Lora.targets(m, lora(Map.of()).config()).keySet()));
        assertEquals(10, Lora.targets(m, lora(Map.of("target_modules", "all-linear")).config()).size(), "qkv, out, up, gate, down x 2");
        assertEquals(List.of("blocks.1.mlp.down"), List.copyOf(Lora.targets(m, lora(Map.of("target_modules", "blocks\\.1\\.mlp\\.d.*")).config()).keySet()));
        assertEquals(2, Lora.targets(m, lora(Map.of("target_modules", "mlp.gate")).config()).size());
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class,
                () -> lora(Map.of("target_modules", "q_proj")).configure(m, null));
        assertTrue(none.getMessage().contains("q_proj") && none.getMessage().contains("attn.qkv"), none.getMessage());
        assertEquals(m.parameterCount(), m.trainableParameterCount(), "a failed configure leaves the model untouched");
    }

    @Test
    void configureFreezesTheBaseAddsAdaptersAndKeepsHeadsTrainable() {
        Transformer m = new Transformer(new NaiveBackend(), GPT, 1);
        long base = m.parameterCount();
        Transformer.Group heads = new Transformer.Group();
        Tensor probe = heads.add("probe", Tensor.zeros(new NaiveBackend(), 2, 16));
        probe.requiresGrad(false);
        LoraFineTuner t = lora(Map.of("r", 4));
        t.configure(m, heads);
        Map<String, LoraLayer> layers = Lora.layers(m, "default");
        assertEquals(2, layers.size());
        LoraLayer qkv = layers.get("blocks.0.attn.qkv");
        assertArrayEquals(new int[] {4, 16}, qkv.loraA().dims());
        assertArrayEquals(new int[] {48, 4}, qkv.loraB().dims(), "qkv out = (Hq + 2Hkv)·D = 3·16");
        assertTrue(m.namedParameters().containsKey("blocks.0.attn.qkv.lora_default.lora_A"));
        long adapter = 2L * (4 * 16 + 48 * 4);
        assertEquals(adapter, m.trainableParameterCount());
        assertEquals(base + adapter, m.parameterCount());
        assertTrue(probe.requiresGrad(), "heads stay trainable");
        assertEquals(new Lora.ParameterReport(adapter + 32, base + adapter + 32), t.parameterReport());
        assertEquals(String.format(java.util.Locale.ROOT, "trainable params: %,d || all params: %,d || trainable%%: %.4f",
                adapter + 32, base + adapter + 32, 100.0 * (adapter + 32) / (base + adapter + 32)), t.printTrainableParameters(m));
        Map<String, Tensor> state = t.trainableState(m);
        assertEquals(List.of("blocks.0.attn.qkv.lora_default.lora_A", "blocks.0.attn.qkv.lora_default.lora_B",
                "blocks.1.attn.qkv.lora_default.lora_A", "blocks.1.attn.qkv.lora_default.lora_B", "heads.probe"), List.copyOf(state.keySet()));
        assertThrows(IllegalStateException.class, () -> lora(Map.of()).configure(m, null), "a second 'default' adapter");
    }

    @Test
    void freshAdapterLeavesTheOutputUnchanged() {
        Transformer m = new Transformer(new NaiveBackend(), LLAMA, 1);
        float[] before = logits(m);
        lora(Map.of("target_modules", "all-linear", "dropout", 0.2)).configure(m, null);
        assertArrayEquals(before, logits(m), "B = 0, so the adapted model computes exactly the base model");
    }

    @Test
    void frozenBaseIsBitIdenticalAfterTrainingAndAdaptersMove() {
        Transformer m = new Transformer(new NaiveBackend(), LLAMA, 1);
        Map<String, float[]> base = snapshot(m.namedParameters());
        lora(Map.of("target_modules", "all-linear", "dropout", 0.1)).configure(m, null);
        Map<String, float[]> adapters = snapshot(new LoraFineTuner(lora(Map.of()).config()).trainableState(m));
        steps(m, 3);
        Map<String, Tensor> now = m.namedParameters();
        base.forEach((k, v) -> assertArrayEquals(v, now.get(k).toArray(), k));
        adapters.forEach((k, v) -> assertFalse(java.util.Arrays.equals(v, now.get(k).toArray()), k + " did not move"));
    }

    @Test
    void mergeMatchesTheUnmergedAdapterAndUnmergeRestoresTheBase() {
        Transformer m = new Transformer(new NaiveBackend(), LLAMA, 1);
        Map<String, float[]> base = snapshot(m.namedParameters());
        lora(Map.of("target_modules", "all-linear", "alpha", 32, "r", 4)).configure(m, null);
        steps(m, 5);
        float[] unmerged = logits(m);
        assertTrue(maxDiff(unmerged, logits(new Transformer(new NaiveBackend(), LLAMA, 1))) > 1e-3, "training changed the outputs");
        Lora.merge(m);
        assertTrue(Lora.layers(m, "default").values().stream().allMatch(l -> l.merged() && !l.active()));
        float mergedDiff = maxDiff(unmerged, logits(m));
        assertTrue(mergedDiff < 1e-5, "merged vs unmerged logits differ by " + mergedDiff);
        assertTrue(maxDiff(base.get("blocks.0.attn.qkv.weight"), m.namedParameters().get("blocks.0.attn.qkv.weight").toArray()) > 1e-4);
        assertThrows(IllegalStateException.class, () -> Lora.merge(m));
        Lora.unmerge(m);
        Map<String, Tensor> now = m.namedParameters();
        base.forEach((k, v) -> assertTrue(maxDiff(v, now.get(k).toArray()) < 1e-6, k + " not restored"));
        assertTrue(maxDiff(unmerged, logits(m)) < 1e-5);
    }

    @Test
    void twoNamedAdaptersOneActiveSwitchingChangesOutputs() {
        Transformer m = new Transformer(new NaiveBackend(), GPT, 1);
        lora(Map.of("adapter_name", "a", "target_modules", "all-linear")).configure(m, null);
        steps(m, 3);
        float[] outA = logits(m);
        LoraFineTuner b = lora(Map.of("adapter_name", "b", "r", 2));
        b.configure(m, null);
        assertEquals("b", Lora.activeAdapter(m));
        assertEquals(List.of("a", "b"), List.copyOf(Lora.adapterNames(m)));
        assertEquals(2L * (2 * 16 + 48 * 2), m.trainableParameterCount(), "only b trains");
        float[] freshB = logits(m);
        assertTrue(maxDiff(outA, freshB) > 1e-3, "a no longer runs");
        steps(m, 3);
        float[] outB = logits(m);
        assertTrue(maxDiff(freshB, outB) > 1e-3);
        Lora.setAdapter(m, "a");
        assertArrayEquals(outA, logits(m), "a was frozen while b trained");
        Lora.merge(m);
        assertThrows(IllegalStateException.class, () -> Lora.setAdapter(m, "b"), "switch away from a merged adapter");
        Lora.unmerge(m);
        Lora.setAdapter(m, "b");
        assertTrue(maxDiff(outB, logits(m)) < 1e-5, "b again (a's merge/unmerge round trip is exact up to float rounding)");
        assertEquals(4, b.trainableState(m).size());
        assertThrows(IllegalArgumentException.class, () -> Lora.setAdapter(m, "c"));
    }
}
