package dev.kiln.api.nn;

import dev.kiln.api.autograd.GradMode;
import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.ops.GradCheck;
import dev.kiln.api.ops.Losses;
import dev.kiln.api.ops.Shapes;
import dev.kiln.api.tensor.IntTensor;
import dev.kiln.api.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A key/value prefix filled with the keys and values a plain model cached for tokens X makes the
 * model continue exactly like that cached model: causal or bidirectional, with padding masks, and
 * again under a KV cache. Positions are "none" so the cached rows carry no position of their own.
 */
class KeyValuePrefixTest {
    private static final int P = 3;
    private static final int[] VIRTUAL = {5, 0, 11};
    private final Backend be = new NaiveBackend();

    /** The preset with positions "none" and the given attention direction. */
    private static TransformerConfig config(String preset, boolean causal) {
        TransformerConfig c = switch (preset) {
            case "gpt2" -> TinyModels.gpt2();
            case "qwen3" -> TinyModels.qwen3();   // head_dim 8 ≠ 16 / 4: prefix rows of Hkv·D = 16, q/k norms
            default -> TinyModels.llama();        // GQA, 4 query over 2 kv heads
        };
        return c.toBuilder().positions(ModelKinds.Positions.NONE).causal(causal).dropout(0f).crossAttention(false).build();
    }

    /** The plain model's cache after reading X in every one of `batch` rows. */
    private static KVCache cacheOver(Transformer model, int batch) {
        int[] x = new int[batch * P];
        for (int r = 0; r < batch; r++) System.arraycopy(VIRTUAL, 0, x, r * P, P);
        KVCache cache = new KVCache(model.config().layers());
        try (var g = GradMode.noGrad()) {
            model.forward(ModelInput.of(new IntTensor(x, batch, P)).withCache(cache));
        }
        return cache;
    }

    /** Attaches a prefix and fills every layer with row 0 of the cached keys and values. */
    private static void attachFrom(Transformer model, KVCache cache) {
        model.attachPrefix(P);
        assertEquals(P, model.prefixTokens());
        int width = model.config().kvHeads() * model.config().headDim();
        for (int l = 0; l < model.config().layers(); l++) {
            KeyValuePrefix prefix = model.blocks().get(l).attention().prefix();
            assertArrayEquals(new int[] {P, width}, prefix.keys().dims());
            try (var g = GradMode.noGrad()) {
                prefix.keys().copyFrom(Shapes.slice(cache.keys(l), 0, 0, 1).toArray());      // [1, P, Hkv·D] → [P, Hkv·D]
                prefix.values().copyFrom(Shapes.slice(cache.values(l), 0, 0, 1).toArray());
            }
        }
    }

    private static float[] run(Transformer model, ModelInput in) {
        try (var g = GradMode.noGrad()) {
            return model.forward(in).toArray();
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"gpt2", "llama", "qwen3"})
    void causalPrefixMatchesTheCachedContinuation(String preset) {
        Transformer model = new Transformer(be, config(preset, true), 7);
        model.train(false);
        IntTensor ids = TinyModels.ids(3, 2, 6);
        KVCache cache = cacheOver(model, 2);
        float[] expected = run(model, ModelInput.of(ids).withCache(cache));
        attachFrom(model, cacheOver(model, 1));
        float[] actual = run(model, ModelInput.of(ids));
        assertEquals(expected.length, actual.length);
        assertArrayEquals(expected, actual, 1e-5f);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"gpt2", "llama", "qwen3"})
    void bidirectionalPrefixWithPaddingExtendsTheMaskItself(String preset) {
        Transformer model = new Transformer(be, config(preset, false), 7);
        model.train(false);
        int len = 6;
        IntTensor ids = TinyModels.ids(4, 2, len);
        IntTensor mask = new IntTensor(new int[] {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0}, 2, len);
        KVCache cache = cacheOver(model, 2);
        float[] expected = run(model, ModelInput.of(ids).withAttentionMask(SoftPromptTest.prepend(mask, SoftPromptTest.filled(P, 1))).withCache(cache));
        attachFrom(model, cacheOver(model, 1));
        float[] actual = run(model, ModelInput.of(ids).withAttentionMask(mask));      // [B, T]: the prefix columns are added inside
        assertArrayEquals(expected, actual, 1e-5f);

        // the mask really applies: changing a padded token leaves row 1's real tokens alone, and the prefix matters
        float[] changed = run(model, ModelInput.of(TinyModels.changed(ids, 1, len - 1)).withAttentionMask(mask));
        int c = model.config().dModel();
        for (int i = len * c; i < (2 * len - 2) * c; i++) assertEquals(actual[i], changed[i], 0f, "padding leaked into element " + i);
        model.blocks().get(0).attention().prefix().values().copyFrom(new float[P * model.config().kvHeads() * model.config().headDim()]);
        float[] zeroed = run(model, ModelInput.of(ids).withAttentionMask(mask));
        assertTrue(maxDiff(actual, zeroed) > 1e-4, "the prefix's values do not reach the output");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"gpt2", "llama", "qwen3"})
    void withAKvCacheThePrefixIsCachedOnceAndMasksStayTheCallers(String preset) {
        Transformer model = new Transformer(be, config(preset, true), 7);
        model.train(false);
        attachFrom(model, cacheOver(model, 1));
        int len = 6, prefill = 2;
        IntTensor ids = TinyModels.ids(5, 2, len);
        IntTensor mask = new IntTensor(new int[] {0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, 2, len);   // row 0 left-padded
        try (var g = GradMode.noGrad()) {
            Tensor full = model.forward(ModelInput.of(ids).withAttentionMask(mask));
            KVCache cache = new KVCache(model.config().layers());
            List<Tensor> steps = new ArrayList<>();
            steps.add(model.forward(ModelInput.of(SoftPromptTest.columns(ids, 0, prefill))
                    .withAttentionMask(SoftPromptTest.columns(mask, 0, prefill)).withCache(cache)));
            assertEquals(prefill, cache.length(), "the prefix takes no position");
            assertEquals(P + prefill, cache.keys(0).dim(1), "the prefix rows are cached with the tokens");
            for (int t = prefill; t < len; t++)
                steps.add(model.forward(ModelInput.of(SoftPromptTest.columns(ids, t, t + 1))
                        .withAttentionMask(SoftPromptTest.columns(mask, 0, t + 1)).withCache(cache)));
            assertEquals(P + len, cache.keys(1).dim(1), "later calls add no prefix");
            assertArrayEquals(full.toArray(), Shapes.concat(1, steps).toArray(), 1e-5f);
        }
    }

    @Test
    void gradientsReachEveryLayersKeysAndValues() {
        TransformerConfig base = TransformerConfig.llama(TinyModels.VOCAB, 8, 2, 2, 1, 12, 8);   // rotary stays on: the prefix skips it
        Transformer model = new Transformer(be, TinyModels.with(base, 0f, false, 0.3f), 9);
        model.train(false);
        for (Tensor p : model.parameters()) p.requiresGrad(false);
        model.attachPrefix(2);
        List<Tensor> wrt = new ArrayList<>();
        long seed = 40;
        for (Block b : model.blocks()) {
            KeyValuePrefix p = b.attention().prefix();
            assertTrue(p.keys().requiresGrad() && p.values().requiresGrad(), "an attached prefix trains");
            p.keys().copyFrom(GradCheck.randn(be, seed++, p.keys().dims()).toArray());
            p.values().copyFrom(GradCheck.randn(be, seed++, p.values().dims()).toArray());
            wrt.add(p.keys());
            wrt.add(p.values());
        }
        IntTensor ids = TinyModels.ids(31, 2, 5), targets = TinyModels.ids(32, 2, 5);
        IntTensor mask = new IntTensor(new int[] {1, 1, 1, 1, 1, 1, 1, 1, 1, 0}, 2, 5);
        GradCheck.defaults().check("key/value prefix", () -> {
            Tensor h = model.forward(ModelInput.of(ids).withAttentionMask(mask));
            return Losses.crossEntropy(model.logits(h), targets);
        }, wrt.toArray(new Tensor[0]));
        assertTrue(model.namedParameters().containsKey("blocks.1.attn.prefix.keys"), model.namedParameters().keySet().toString());
        assertTrue(model.namedParameters().containsKey("blocks.0.attn.prefix.values"));
    }

    @Test
    void packedSequencesAreRejected() {
        Transformer model = new Transformer(be, TinyModels.gpt2(), 7);
        model.attachPrefix(P);
        IntTensor ids = TinyModels.ids(1, 1, 4);
        IntTensor segments = new IntTensor(new int[] {1, 1, 2, 2}, 1, 4);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> run(model, ModelInput.of(ids).withSegments(segments)));
        assertTrue(e.getMessage().contains("segment"), e.getMessage());
    }

    @Test
    void attachingTwiceIsRejected() {
        Transformer model = new Transformer(be, TinyModels.gpt2(), 7);
        assertEquals(0, model.prefixTokens());
        model.attachPrefix(P);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> model.attachPrefix(2));
        assertTrue(e.getMessage().contains("prefix"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> model.blocks().get(1).attention().attachPrefix(1));
        assertEquals(P, model.prefixTokens());
        assertThrows(IllegalArgumentException.class, () -> new Transformer(be, TinyModels.gpt2(), 7).attachPrefix(0));
    }

    private static double maxDiff(float[] a, float[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
        return m;
    }
}
