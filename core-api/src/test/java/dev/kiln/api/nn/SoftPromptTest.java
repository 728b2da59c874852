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
 * A soft prompt whose weight equals the token embeddings of ids X behaves exactly like the plain
 * model fed [X; ids], restricted to the real tokens: with padding masks, token types and a KV cache.
 */
class SoftPromptTest {
    private static final int N = 3;
    private final Backend be = new NaiveBackend();

    private static TransformerConfig config(String preset) {
        return switch (preset) {
            case "gpt2" -> TinyModels.gpt2();                                  // learned positions, causal
            case "bert" -> TinyModels.bert();                                  // learned positions, token types, bidirectional, embedding norm
            case "qwen3" -> TinyModels.qwen3();                                // head_dim ≠ d_model / heads, qk_norm
            default -> TinyModels.llama();                                     // rotary positions, GQA
        };
    }

    /** The N "virtual" token ids whose embeddings the prompt copies. */
    private static final int[] VIRTUAL = {5, 0, 11};

    /** A model with a soft prompt equal to the embeddings of {@link #VIRTUAL}. */
    private Transformer withPrompt(Transformer model) {
        SoftPrompt p = model.attachSoftPrompt(N);
        assertArrayEquals(new int[] {N, model.config().dModel()}, p.weight().dims());
        try (var g = GradMode.noGrad()) {
            p.weight().copyFrom(model.embedTokens(new IntTensor(VIRTUAL, 1, N)).toArray());
        }
        return model;
    }

    /** [B, T] → [B, n + T] with the given values in front of every row. */
    static IntTensor prepend(IntTensor m, int[] front) {
        int b = m.dim(0), t = m.dim(1), n = front.length;
        int[] out = new int[b * (n + t)];
        for (int r = 0; r < b; r++) {
            System.arraycopy(front, 0, out, r * (n + t), n);
            System.arraycopy(m.data(), r * t, out, r * (n + t) + n, t);
        }
        return new IntTensor(out, b, n + t);
    }

    static int[] filled(int n, int value) {
        int[] v = new int[n];
        java.util.Arrays.fill(v, value);
        return v;
    }

    static IntTensor columns(IntTensor ids, int from, int to) {
        int b = ids.dim(0);
        int[] v = new int[b * (to - from)];
        for (int r = 0; r < b; r++)
            for (int t = from; t < to; t++) v[r * (to - from) + t - from] = ids.get(r, t);
        return new IntTensor(v, b, to - from);
    }

    private static float[] run(Transformer model, ModelInput in) {
        try (var g = GradMode.noGrad()) {
            return model.forward(in).toArray();
        }
    }

    /** The real tokens' hidden states of the plain model fed [X; ids]: [B, T, C]. */
    private static float[] plainWithTextPrompt(Transformer model, ModelInput in) {
        try (var g = GradMode.noGrad()) {
            return Shapes.slice(model.forward(in), 1, N, in.length()).toArray();
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"gpt2", "bert", "llama", "qwen3"})
    void promptEqualToTokenEmbeddingsMatchesThoseTokensInFront(String preset) {
        Transformer model = new Transformer(be, config(preset), 7);
        model.train(false);
        IntTensor ids = TinyModels.ids(3, 2, 6);
        float[] expected = plainWithTextPrompt(model, ModelInput.of(prepend(ids, VIRTUAL)));
        float[] actual = run(withPrompt(model), ModelInput.of(ids));
        assertEquals(2 * 6 * model.config().dModel(), actual.length, "only the real tokens' states come back");
        assertArrayEquals(expected, actual, 1e-5f);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"gpt2", "bert", "llama", "qwen3"})
    void paddingMaskAndTokenTypesAreExtendedOverThePrompt(String preset) {
        Transformer model = new Transformer(be, config(preset), 7);
        model.train(false);
        int len = 6;
        IntTensor ids = TinyModels.ids(4, 2, len);
        IntTensor mask = new IntTensor(new int[] {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0}, 2, len);
        IntTensor types = new IntTensor(new int[] {0, 0, 0, 1, 1, 1, 0, 0, 1, 1, 1, 1}, 2, len);
        ModelInput plain = ModelInput.of(prepend(ids, VIRTUAL)).withAttentionMask(prepend(mask, filled(N, 1)));
        ModelInput in = ModelInput.of(ids).withAttentionMask(mask);
        if (model.config().typeVocab() > 0) {
            plain = plain.withTokenTypes(prepend(types, filled(N, 0)));
            in = in.withTokenTypes(types);
        }
        float[] expected = plainWithTextPrompt(model, plain);
        withPrompt(model);
        float[] actual = run(model, in);
        assertArrayEquals(expected, actual, 1e-5f);

        // the mask really applies: a padded token changes no real token's state
        float[] changed = run(model, new ModelInput(TinyModels.changed(ids, 1, len - 1), null, mask, in.tokenTypes(), null, null, null, null, null));
        int c = model.config().dModel();
        for (int i = len * c; i < (2 * len - 2) * c; i++) assertEquals(actual[i], changed[i], 0f, "padding leaked into element " + i);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"gpt2", "llama", "qwen3"})
    void withAKvCacheThePromptEntersOnTheFirstCallOnly(String preset) {
        Transformer model = withPrompt(new Transformer(be, config(preset), 7));
        model.train(false);
        int len = 7, prefill = 3;
        IntTensor ids = TinyModels.ids(11, 2, len);
        try (var g = GradMode.noGrad()) {
            Tensor full = model.forward(ModelInput.of(ids));
            KVCache cache = new KVCache(model.config().layers());
            List<Tensor> steps = new ArrayList<>();
            steps.add(model.forward(ModelInput.of(columns(ids, 0, prefill)).withCache(cache)));
            assertEquals(N + prefill, cache.length(), "the first call caches the prompt too");
            for (int t = prefill; t < len; t++) steps.add(model.forward(ModelInput.of(columns(ids, t, t + 1)).withCache(cache)));
            assertEquals(N + len, cache.length(), "later calls add no prompt");
            Tensor incremental = Shapes.concat(1, steps);
            assertArrayEquals(full.dims(), incremental.dims());
            assertArrayEquals(full.toArray(), incremental.toArray(), 1e-5f);
        }
    }

    @Test
    void withAKvCacheLaterCallsTakeTheCallersMask() {
        Transformer model = withPrompt(new Transformer(be, TinyModels.gpt2(), 7));
        model.train(false);
        int len = 5, prefill = 3;
        IntTensor ids = TinyModels.ids(12, 2, len);
        int[] m = {0, 1, 1, 1, 1, 1, 1, 1, 1, 1};                              // row 0 left-padded by one token
        IntTensor mask = new IntTensor(m, 2, len);
        try (var g = GradMode.noGrad()) {
            Tensor full = model.forward(ModelInput.of(ids).withAttentionMask(mask));
            KVCache cache = new KVCache(model.config().layers());
            List<Tensor> steps = new ArrayList<>();
            steps.add(model.forward(ModelInput.of(columns(ids, 0, prefill)).withAttentionMask(columns(mask, 0, prefill)).withCache(cache)));
            for (int t = prefill; t < len; t++)                                  // the mask over every real token so far, without the prompt
                steps.add(model.forward(ModelInput.of(columns(ids, t, t + 1)).withAttentionMask(columns(mask, 0, t + 1)).withCache(cache)));
            Tensor incremental = Shapes.concat(1, steps);
            assertArrayEquals(full.toArray(), incremental.toArray(), 1e-5f);
        }
    }

    @Test
    void gradientsReachThePromptWeight() {
        TransformerConfig base = TransformerConfig.gpt2(TinyModels.VOCAB, 8, 2, 2, 8);
        Transformer model = new Transformer(be, TinyModels.with(base, 0f, false, 0.3f), 9);
        model.train(false);
        for (Tensor p : model.parameters()) p.requiresGrad(false);
        SoftPrompt prompt = model.attachSoftPrompt(2);
        prompt.weight().copyFrom(GradCheck.randn(be, 5, 2, 8).toArray());
        assertTrue(prompt.weight().requiresGrad(), "an attached prompt trains");
        IntTensor ids = TinyModels.ids(31, 2, 5), targets = TinyModels.ids(32, 2, 5);
        IntTensor mask = new IntTensor(new int[] {1, 1, 1, 1, 1, 1, 1, 1, 1, 0}, 2, 5);
        GradCheck.defaults().check("soft prompt", () -> {
            Tensor h = model.forward(ModelInput.of(ids).withAttentionMask(mask));
            return Losses.crossEntropy(model.logits(h), targets);
        }, prompt.weight());
        assertEquals("embed.prompt.weight", model.namedParameters().entrySet().stream()
                .filter(e -> e.getValue() == prompt.weight()).findFirst().orElseThrow().getKey());
    }

    @Test
    void packedSequencesAreRejected() {
        Transformer model = withPrompt(new Transformer(be, TinyModels.gpt2(), 7));
        IntTensor ids = TinyModels.ids(1, 1, 4);
        IntTensor segments = new IntTensor(new int[] {1, 1, 2, 2}, 1, 4);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> model.forward(ModelInput.of(ids).withSegments(segments)));
        assertTrue(e.getMessage().contains("segment"), e.getMessage());
    }

    @Test
    void attachingTwiceIsRejectedAndMaxSeqCountsThePrompt() {
        Transformer model = new Transformer(be, TinyModels.gpt2(), 7);
        model.attachSoftPrompt(N);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> model.attachSoftPrompt(2));
        assertTrue(e.getMessage().contains("soft prompt"), e.getMessage());
        assertEquals(N, model.softPrompt().tokens());
        int maxSeq = model.config().maxSeq();
        assertDoesNotThrow(() -> run(model, ModelInput.of(TinyModels.ids(1, 1, maxSeq - N))));
        IllegalArgumentException tooLong = assertThrows(IllegalArgumentException.class, () -> run(model, ModelInput.of(TinyModels.ids(1, 1, maxSeq - N + 1))));
        assertTrue(tooLong.getMessage().contains("soft-prompt"), tooLong.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Transformer(be, TinyModels.gpt2(), 7).attachSoftPrompt(0));
    }
}
