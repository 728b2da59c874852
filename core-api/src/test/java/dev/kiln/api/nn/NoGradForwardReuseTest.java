package dev.kiln.api.nn;

import dev.kiln.api.autograd.GradMode;
import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.backend.StoragePool;
import dev.kiln.api.ops.Arithmetic;
import dev.kiln.api.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Forward passes under no-grad (evaluation, generation without a cache, `kiln bench`'s forward-only passes) give
 * every array they make back to the backend's pool except the hidden states they return: once the caller releases
 * those (and the logits made from them), a later pass allocates nothing, the embeddings' output and the last
 * block's output included. Embeddings the caller passed in are the caller's and stay as they were, also when an op made them.
 */
class NoGradForwardReuseTest {
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"gpt2", "llama"})
    void laterPassesTakeEveryArrayFromThePool(String kind) {
        Backend be = new NaiveBackend();
        Transformer model = evalModel(be, kind);
        long[] fresh = new long[4];
        try (var g = GradMode.noGrad()) {
            for (int pass = 0; pass < fresh.length; pass++) {
                StoragePool.Stats before = be.poolStats();
                Tensor hidden = model.forward(ModelInput.of(TinyModels.ids(10 + pass, 2, 16)));   // [B, T, C]
                Tensor logits = model.logits(hidden);                                              // [B, T, V]
                hidden.releaseStorage();
                logits.releaseStorage();
                fresh[pass] = be.poolStats().minus(before).freshBytes();
            }
        }
        assertTrue(fresh[0] > 10_000, "the first pass fills the pool: " + Arrays.toString(fresh));
        for (int pass = 1; pass < fresh.length; pass++)
            assertEquals(0, fresh[pass], "pass " + (pass + 1) + " allocated new arrays: " + Arrays.toString(fresh));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"gpt2", "llama"})
    void theCallersEmbeddingsAreLeftAlone(String kind) {
        Backend be = new NaiveBackend();
        Transformer model = evalModel(be, kind);
        TransformerConfig c = model.config();
        float[] values = new float[2 * 16 * c.dModel()];
        for (int i = 0; i < values.length; i++) values[i] = (float) Math.sin(i);
        try (var g = GradMode.noGrad()) {
            // an op's result, as another model's output would be (a leaf's storage is never released anyway)
            Tensor embeddings = Arithmetic.add(Tensor.of(be, values.clone(), 2, 16, c.dModel()), Tensor.zeros(be, 2, 16, c.dModel()));
            Tensor first = model.forward(ModelInput.ofEmbeddings(embeddings));
            float[] out = first.toArray();
            assertArrayEquals(values, embeddings.toArray(), "the caller's embeddings after a pass");
            assertArrayEquals(out, model.forward(ModelInput.ofEmbeddings(embeddings)).toArray(), 0f, "a second pass over them");
        }
    }

    // three blocks, in eval mode
    private static Transformer evalModel(Backend be, String kind) {
        TransformerConfig c = (kind.equals("llama") ? TinyModels.llama() : TinyModels.gpt2()).toBuilder().layers(3).build();
        Transformer model = new Transformer(be, c, 3);
        model.train(false);
        return model;
    }
}
