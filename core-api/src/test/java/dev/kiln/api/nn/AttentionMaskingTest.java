package dev.kiln.api.nn;

import dev.kiln.api.autograd.GradMode;
import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.tensor.IntTensor;
import dev.kiln.api.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a hidden state may depend on: causal vs bidirectional attention, padding masks, segments. */
class AttentionMaskingTest {
    private static final int C = 16;
    private final Backend be = new NaiveBackend();

    private float[] hidden(Transformer model, ModelInput in) {
        try (var g = GradMode.noGrad()) {
            return model.forward(in).toArray();
        }
    }

    /** Largest |a − b| over the hidden vectors of positions [from, to) of batch row `row`. */
    private static double diff(float[] a, float[] b, int len, int row, int from, int to) {
        double m = 0;
        for (int t = from; t < to; t++)
            for (int c = 0; c < C; c++) {
                int i = (row * len + t) * C + c;
                m = Math.max(m, Math.abs(a[i] - b[i]));
            }
        return m;
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"gpt2", "llama"})
    void causalModelsIgnoreLaterTokens(String preset) {
        Transformer model = new Transformer(be, preset.equals("gpt2") ? TinyModels.gpt2() : TinyModels.llama(), 3);
        model.train(false);
        int len = 6, j = 3;
        IntTensor ids = TinyModels.ids(1, 2, len);
        float[] base = hidden(model, ModelInput.of(ids)), changed = hidden(model, ModelInput.of(TinyModels.changed(ids, 1, j)));
        assertTrue(diff(base, changed, len, 1, 0, j) == 0, "positions before the changed token are untouched");
        for (int t = j; t < len; t++) assertTrue(diff(base, changed, len, 1, t, t + 1) > 1e-4, "position " + t + " sees the change");
        assertTrue(diff(base, changed, len, 0, 0, len) == 0, "the other batch row is untouched");
    }

    @Test
    void bidirectionalModelsSeeEveryToken() {
        Transformer model = new Transformer(be, TinyModels.bert(), 3);
        model.train(false);
        int len = 6, j = 3;
        IntTensor ids = TinyModels.ids(2, 2, len);
        float[] base = hidden(model, ModelInput.of(ids)), changed = hidden(model, ModelInput.of(TinyModels.changed(ids, 0, j)));
        for (int t = 0; t < len; t++) assertTrue(diff(base, changed, len, 0, t, t + 1) > 1e-4, "position " + t + " sees the change");
        assertTrue(diff(base, changed, len, 1, 0, len) == 0);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"bert", "gpt2", "llama"})
    void paddedKeysDoNotAffectRealTokens(String preset) {
        TransformerConfig cfg = switch (preset) {
            case "bert" -> TinyModels.bert();
            case "gpt2" -> TinyModels.gpt2();
            default -> TinyModels.llama();
        };
        Transformer model = new Transformer(be, cfg, 4);
        model.train(false);
        int len = 5;
        // row 0: right padding after 3 tokens; row 1: left padding of 2 (a causal query at a pad sees nothing)
        IntTensor mask = new IntTensor(new int[] {1, 1, 1, 0, 0, 0, 0, 1, 1, 1}, 2, len);
        IntTensor ids = TinyModels.ids(3, 2, len);
        IntTensor padsChanged = TinyModels.changed(TinyModels.changed(TinyModels.changed(ids, 0, 3), 0, 4), 1, 0);
        float[] base = hidden(model, ModelInput.of(ids).withAttentionMask(mask));
        float[] changed = hidden(model, ModelInput.of(padsChanged).withAttentionMask(mask));
        assertTrue(diff(base, changed, len, 0, 0, 3) < 1e-6, "real tokens of row 0");
        assertTrue(diff(base, changed, len, 1, 2, 5) < 1e-6, "real tokens of row 1");
        // without the mask the same change is visible to real tokens (the test can fail)
        float[] unmasked = hidden(model, ModelInput.of(ids)), unmaskedChanged = hidden(model, ModelInput.of(padsChanged));
        assertTrue(diff(unmasked, unmaskedChanged, len, 1, 2, 5) > 1e-4);
    }

    @Test
    void packedSegmentsDoNotSeeEachOther() {
        Transformer model = new Transformer(be, TinyModels.gpt2(), 5);
        model.train(false);
        int len = 6;
        IntTensor seg = new IntTensor(new int[] {0, 0, 0, 1, 1, 1}, 1, len);
        IntTensor ids = TinyModels.ids(4, 1, len);
        // changing a token of the first example leaves the second one's states as they were
        float[] base = hidden(model, ModelInput.of(ids).withSegments(seg));
        float[] changed = hidden(model, ModelInput.of(TinyModels.changed(ids, 0, 1)).withSegments(seg));
        assertTrue(diff(base, changed, len, 0, 3, 6) < 1e-6);
        assertTrue(diff(base, changed, len, 0, 1, 3) > 1e-4);
    }

    @Test
    void forwardShapesAndEmbeddingsInput() {
        Transformer model = new Transformer(be, TinyModels.gpt2(), 6);
        IntTensor ids = TinyModels.ids(5, 2, 4);
        Tensor h = model.forward(ModelInput.of(ids));
        assertArrayEquals(new int[] {2, 4, C}, h.dims());
        assertArrayEquals(new int[] {2, 4, TinyModels.VOCAB}, model.logits(h).dims());
        // feeding the token embeddings directly gives the same states as feeding the ids
        float[] viaEmbeddings = hidden(model, ModelInput.ofEmbeddings(model.embedTokens(ids)));
        assertArrayEquals(hidden(model, ModelInput.of(ids)), viaEmbeddings, 1e-6f);
    }
}
