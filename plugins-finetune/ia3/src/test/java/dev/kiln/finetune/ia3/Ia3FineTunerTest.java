package dev.kiln.finetune.ia3;

import dev.kiln.api.autograd.GradMode;
import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.config.Config;
import dev.kiln.api.config.ConfigException;
import dev.kiln.api.finetune.FineTunerFactory;
import dev.kiln.api.finetune.TrainableParameters;
import dev.kiln.api.nn.Linear;
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
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.ServiceLoader;

import static org.junit.jupiter.api.Assertions.*;

class Ia3FineTunerTest {
    /** GPT-2 shape: C = 16, 2 heads of 8, biases; qkv [48, 16], mlp.down [16, 64]. */
    static final TransformerConfig GPT = TransformerConfig.gpt2(TestTokenizers.BYTE_VOCAB, 16, 2, 2, 16);
    /** LLaMA shape: 4 query heads, 2 kv heads of 4; qkv [(4 + 2·2)·4 = 32, 16], SwiGLU, no biases. */
    static final TransformerConfig LLAMA = TransformerConfig.llama(TestTokenizers.BYTE_VOCAB, 16, 2, 4, 2, 32, 16);

    static Ia3FineTuner ia3(Map<String, Object> cfg) {
        return (Ia3FineTuner) new Ia3FineTunerFactory().create(new Config("finetune 'ia3'", cfg),
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

    /** A few AdamW steps (weight decay on, every parameter handed over) toward token 0 everywhere. */
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

    static float maxRelDiff(float[] a, float[] b) {
        float d = 0;
        for (int i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]) / Math.max(Math.abs(a[i]), 1e-12f));
        return d;
    }

    @Test
    void isDiscoveredAsAParametersMethod() {
        FineTunerFactory found = null;
        for (FineTunerFactory f : ServiceLoader.load(FineTunerFactory.class)) if (f.name().equals("ia3")) found = f;
        assertNotNull(found, "ia3 is not registered in META-INF/services");
        assertEquals(FineTunerFactory.Role.PARAMETERS, found.role());
    }

    @Test
    void defaultsAndStrictConfigErrorsNameTheKey() {
        assertEquals(new Ia3Config(List.of("attn.qkv", "mlp.down"), List.of("mlp.down"), true, "default"), ia3(Map.of()).config());
        assertEquals(List.of("attn.qkv", "mlp.up"), ia3(Map.of("target_modules", "attn.qkv, mlp.up", "feedforward_modules", List.of())).config().targetModules());

        ConfigException unknown = assertThrows(ConfigException.class, () -> ia3(Map.of("ia3_alpha", 1)));
        for (String key : List.of("ia3_alpha", "target_modules", "feedforward_modules", "init_ia3_weights", "adapter_name"))
            assertTrue(unknown.getMessage().contains(key), unknown.getMessage());

        ConfigException notSubset = assertThrows(ConfigException.class,
                () -> ia3(Map.of("target_modules", List.of("attn.qkv", "mlp.up"))));   // feedforward_modules defaults to mlp.down
        assertTrue(notSubset.getMessage().contains("'feedforward_modules'") && notSubset.getMessage().contains("subset")
                && notSubset.getMessage().contains("mlp.down"), notSubset.getMessage());
        assertDoesNotThrow(() -> ia3(Map.of("target_modules", "all-linear", "feedforward_modules", "mlp.up")), "all-linear targets every Linear");

        assertTrue(assertThrows(ConfigException.class, () -> ia3(Map.of("target_modules", List.of()))).getMessage().contains("'target_modules'"));
        assertTrue(assertThrows(ConfigException.class, () -> ia3(Map.of("init_ia3_weights", "yes"))).getMessage().contains("'init_ia3_weights'"));
        assertTrue(assertThrows(ConfigException.class, () -> ia3(Map.of("adapter_name", "a.b"))).getMessage().contains("'adapter_name'"));
    }

    @Test
    void noMatchingModuleIsAnErrorNamingTargetModulesAndLeavesTheModelUntouched() {
        Transformer m = new Transformer(new NaiveBackend(), LLAMA, 1);
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class,
                () -> ia3(Map.of("target_modules", List.of("k_proj", "v_proj"), "feedforward_modules", List.of())).configure(m, null));
        assertTrue(none.getMessage().contains("target_modules") && none.getMessage().contains("k_proj") && none.getMessage().contains("attn.qkv"),
                none.getMessage());
        assertEquals(m.parameterCount(), m.trainableParameterCount(), "a failed configure leaves the model as it was");
        assertTrue(Ia3.adapterNames(m).isEmpty());
    }

    @Test
    void targetsMatchPathsBySuffixRegexOrAllLinear() {
        Transformer m = new Transformer(new NaiveBackend(), LLAMA, 1);
        assertEquals(List.of("blocks.0.attn.qkv", "blocks.0.mlp.down", "blocks.1.attn.qkv", "blocks.1.mlp.down"),
                List.copyOf(Ia3.targets(m, ia3(Map.of()).config()).keySet()));
        assertEquals(10, Ia3.targets(m, ia3(Map.of("target_modules", "all-linear")).config()).size(), "qkv, out, up, gate, down x 2");
        assertEquals(List.of("blocks.1.mlp.down"), List.copyOf(Ia3.targets(m,
                ia3(Map.of("target_modules", "blocks\\.1\\.mlp\\.d.*", "feedforward_modules", List.of())).config()).keySet()));
    }

    @Test
    void configureFreezesTheBaseAttachesVectorsOfTheRightShapesAndKeepsHeadsTrainable() {
        Transformer m = new Transformer(new NaiveBackend(), GPT, 1);
        long base = m.parameterCount();
        Transformer.Group heads = new Transformer.Group();
        Tensor probe = heads.add("probe", Tensor.zeros(new NaiveBackend(), 2, 16));
        probe.requiresGrad(false);
        Ia3FineTuner t = ia3(Map.of());
        t.configure(m, heads);

        Map<String, Ia3Layer> layers = Ia3.layers(m, "default");
        assertEquals(List.of("blocks.0.attn.qkv", "blocks.0.mlp.down", "blocks.1.attn.qkv", "blocks.1.mlp.down"), List.copyOf(layers.keySet()));
        Ia3Layer qkv = layers.get("blocks.0.attn.qkv"), down = layers.get("blocks.0.mlp.down");
        assertArrayEquals(new int[] {32}, qkv.ia3L().dims(), "k and v rows: 2·Hkv·D = 2·2·8");
        assertEquals(16, qkv.fixedRows(), "query rows Hq·D stay unscaled");
        assertFalse(qkv.feedforward());
        assertArrayEquals(new int[] {64}, down.ia3L().dims(), "feed-forward: the input of mlp.down, d_ff = 64");
        assertTrue(down.feedforward());
        assertTrue(m.namedParameters().containsKey("blocks.0.attn.qkv.ia3_default.ia3_l"));

        long adapter = 2L * (32 + 64);
        assertEquals(adapter, m.trainableParameterCount());
        assertEquals(base + adapter, m.parameterCount());
        assertTrue(probe.requiresGrad(), "heads stay trainable");
        assertEquals(new TrainableParameters(adapter + 32, base + adapter + 32), t.parameterReport());
        assertEquals(List.of("blocks.0.attn.qkv.ia3_default.ia3_l", "blocks.0.mlp.down.ia3_default.ia3_l",
                "blocks.1.attn.qkv.ia3_default.ia3_l", "blocks.1.mlp.down.ia3_default.ia3_l", "heads.probe"), List.copyOf(t.trainableState(m).keySet()));
        assertThrows(IllegalStateException.class, () -> ia3(Map.of()).configure(m, null), "a second 'default' adapter");
    }

    @Test
    void freshAdapterOfOnesLeavesTheOutputUnchanged() {
        Transformer m = new Transformer(new NaiveBackend(), LLAMA, 1);
        float[] before = logits(m);
        ia3(Map.of("target_modules", "all-linear")).configure(m, null);
        assertArrayEquals(before, logits(m), "every scale is 1, so the adapted model computes exactly the base model");
    }

    @Test
    void qkvScalesOnlyKeyAndValueRowsAndFeedForwardScalesTheInput() {
        Transformer m = new Transformer(new NaiveBackend(), LLAMA, 1);
        Linear qkv = (Linear) m.namedModules().get("blocks.0.attn.qkv"), down = (Linear) m.namedModules().get("blocks.0.mlp.down");
        Random rng = new Random(3);
        Tensor x = randn(rng, 2, 3, 16), h = randn(rng, 2, 3, 32);
        float[] qkvBase, downBase;
        try (var g = GradMode.noGrad()) {
            qkvBase = qkv.forward(x).toArray();
            downBase = down.forward(h).toArray();
        }
        ia3(Map.of("init_ia3_weights", false)).configure(m, null);
        Map<String, Ia3Layer> layers = Ia3.layers(m, "default");
        float[] l = layers.get("blocks.0.attn.qkv").ia3L().toArray(), f = layers.get("blocks.0.mlp.down").ia3L().toArray();
        assertArrayEquals(new int[] {16}, layers.get("blocks.0.attn.qkv").ia3L().dims(), "k, v rows: 2·Hkv·D = 2·2·4");
        try (var g = GradMode.noGrad()) {
            float[] y = qkv.forward(x).toArray();
            for (int row = 0; row < 6; row++)
                for (int o = 0; o < 32; o++) {
                    float expected = o < 16 ? qkvBase[row * 32 + o] : qkvBase[row * 32 + o] * l[o - 16];
                    assertEquals(expected, y[row * 32 + o], 1e-6f, "row " + row + " out " + o);
                }
            float[] hs = h.toArray();
            for (int i = 0; i < hs.length; i++) hs[i] *= f[i % 32];             // h ⊙ l, l: [in = 32]
            float[] adapted = down.forward(h).toArray();
            assertTrue(maxDiff(downBase, adapted) > 1e-4, "random scales change mlp.down");
            assertTrue(maxDiff(baseOnly(down, Tensor.of(new NaiveBackend(), hs, 2, 3, 32)), adapted) < 1e-6f, "mlp.down(h) = (h ⊙ l)·Wᵀ");
        }
    }

    /** The Linear's base projection alone: x·Wᵀ (+ b). */
    static float[] baseOnly(Linear lin, Tensor x) {
        float[] w = lin.weight().toArray(), xs = x.toArray(), b = lin.bias() == null ? null : lin.bias().toArray();
        int in = lin.inFeatures(), out = lin.outFeatures(), rows = xs.length / in;
        float[] y = new float[rows * out];
        for (int r = 0; r < rows; r++)
            for (int o = 0; o < out; o++) {
                double s = b == null ? 0 : b[o];
                for (int i = 0; i < in; i++) s += (double) xs[r * in + i] * w[o * in + i];
                y[r * out + o] = (float) s;
            }
        return y;
    }

    static Tensor randn(Random rng, int... dims) {
        int n = 1;
        for (int d : dims) n *= d;
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) rng.nextGaussian();
        return Tensor.of(new NaiveBackend(), v, dims);
    }

    @Test
    void frozenBaseIsBitIdenticalAfterTrainingAndVectorsMove() {
        Transformer m = new Transformer(new NaiveBackend(), LLAMA, 1);
        Map<String, float[]> base = snapshot(m.namedParameters());
        Ia3FineTuner t = ia3(Map.of("target_modules", "all-linear"));
        t.configure(m, null);
        Map<String, float[]> vectors = snapshot(t.trainableState(m));
        assertEquals(10, vectors.size());
        steps(m, 3);
        Map<String, Tensor> now = m.namedParameters();
        base.forEach((k, v) -> assertArrayEquals(v, now.get(k).toArray(), k));
        vectors.forEach((k, v) -> assertFalse(Arrays.equals(v, now.get(k).toArray()), k + " did not move"));
    }

    @Test
    void mergeMatchesTheUnmergedAdapterAndUnmergeRestoresTheBase() {
        for (TransformerConfig shape : List.of(GPT, LLAMA)) {
            Transformer m = new Transformer(new NaiveBackend(), shape, 1);
            Map<String, float[]> base = snapshot(m.namedParameters());
            Ia3FineTuner t = ia3(Map.of("target_modules", List.of("attn.qkv", "attn.out", "mlp.up", "mlp.down"), "init_ia3_weights", false));
            t.configure(m, null);
            steps(m, 3);
            float[] unmerged = logits(m);
            assertTrue(maxDiff(unmerged, logits(new Transformer(new NaiveBackend(), shape, 1))) > 1e-3, "the scales change the outputs");
            t.merge(m);
            assertTrue(Ia3.layers(m, "default").values().stream().allMatch(l -> l.merged() && !l.active()));
            float mergedDiff = maxDiff(unmerged, logits(m));
            assertTrue(mergedDiff < 1e-5, shape.ffn() + ": merged vs unmerged logits differ by " + mergedDiff);
            assertTrue(maxDiff(base.get("blocks.0.attn.qkv.weight"), m.namedParameters().get("blocks.0.attn.qkv.weight").toArray()) > 1e-4);
            assertThrows(IllegalStateException.class, () -> t.merge(m));
            t.unmerge(m);
            Map<String, Tensor> now = m.namedParameters();
            base.forEach((k, v) -> assertTrue(maxRelDiff(v, now.get(k).toArray()) < 1e-6, shape.ffn() + ": " + k + " not restored"));
            assertTrue(maxDiff(unmerged, logits(m)) < 1e-5);
            assertThrows(IllegalStateException.class, () -> t.unmerge(m), "not merged");
        }
    }

    @Test
    void mergingLeavesQueryRowsAndTheirBiasAlone() {
        Transformer m = new Transformer(new NaiveBackend(), GPT, 1);
        Linear qkv = (Linear) m.namedModules().get("blocks.0.attn.qkv");
        qkv.bias().copyFrom(randn(new Random(5), 48).toArray());
        float[] w = qkv.weight().toArray(), b = qkv.bias().toArray();
        Ia3FineTuner t = ia3(Map.of("init_ia3_weights", false));
        t.configure(m, null);
        float[] l = Ia3.layers(m, "default").get("blocks.0.attn.qkv").ia3L().toArray();
        t.merge(m);
        float[] wm = qkv.weight().toArray(), bm = qkv.bias().toArray();
        for (int o = 0; o < 48; o++) {
            float s = o < 16 ? 1f : l[o - 16];
            assertEquals(b[o] * s, bm[o], 1e-6f * Math.abs(b[o]) + 1e-9f, "bias row " + o);
            for (int i = 0; i < 16; i++) assertEquals(w[o * 16 + i] * s, wm[o * 16 + i], 1e-6f * Math.abs(w[o * 16 + i]) + 1e-12f);
        }
    }

    @Test
    void unmergeRefusesAZeroScale() {
        Transformer m = new Transformer(new NaiveBackend(), GPT, 1);
        Ia3FineTuner t = ia3(Map.of());
        t.configure(m, null);
        Ia3Layer down = Ia3.layers(m, "default").get("blocks.1.mlp.down");
        float[] v = down.ia3L().toArray();
        v[7] = 0f;
        down.ia3L().copyFrom(v);
        t.merge(m);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> t.unmerge(m));
        assertTrue(e.getMessage().contains("blocks.1.mlp.down") && e.getMessage().contains("ia3_l[7]") && e.getMessage().contains("0"), e.getMessage());
        assertTrue(Ia3.layers(m, "default").values().stream().allMatch(Ia3Layer::merged), "nothing was divided: still merged");
    }
}
