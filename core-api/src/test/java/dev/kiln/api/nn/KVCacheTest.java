package dev.kiln.api.nn;

import dev.kiln.api.autograd.GradMode;
import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.ops.Shapes;
import dev.kiln.api.tensor.IntTensor;
import dev.kiln.api.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Incremental decoding with a KV cache gives the logits of one full forward pass. */
class KVCacheTest {
    private final Backend be = new NaiveBackend();

    private static TransformerConfig config(String preset) {
        return switch (preset) {
            case "gpt2" -> TinyModels.gpt2();                                    // learned positions, fused qkv path
            case "sinusoidal" -> TinyModels.with(TinyModels.gpt2().toBuilder().positions(ModelKinds.Positions.SINUSOIDAL).activation(ModelKinds.Activation.GELU).build(), 0f, false, 0.1f);
            case "qwen3" -> TinyModels.qwen3();                                   // head_dim ≠ d_model / heads, qk_norm, qkv bias
            case "mistral" -> TinyModels.mistral();                               // sliding window 3 < the 7 tokens
            case "llama3-rope" -> TinyModels.llama().toBuilder().ropeScaling(RopeScaling.llama3(8f, 1f, 4f, 8)).build();
            case "linear-rope" -> TinyModels.llama().toBuilder().ropeScaling(RopeScaling.linear(2f)).build();
            default -> TinyModels.llama();                                        // rotary + GQA
        };
    }

    private static IntTensor columns(IntTensor ids, int from, int to) {
        int b = ids.dim(0), len = ids.dim(1);
        int[] v = new int[b * (to - from)];
        for (int r = 0; r < b; r++)
            for (int t = from; t < to; t++) v[r * (to - from) + t - from] = ids.get(r, t);
        return new IntTensor(v, b, to - from);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"gpt2", "llama", "sinusoidal", "qwen3", "mistral", "llama3-rope", "linear-rope"})
    void incrementalDecodingMatchesAFullForward(String preset) {
        Transformer model = new Transformer(be, config(preset), 7);
        model.train(false);
        int len = 7, prefill = 3;
        IntTensor ids = TinyModels.ids(11, 2, len);
        try (var g = GradMode.noGrad()) {
            Tensor full = model.logits(model.forward(ModelInput.of(ids)));
            KVCache cache = new KVCache(model.config().layers());
            List<Tensor> steps = new ArrayList<>();
            steps.add(model.logits(model.forward(ModelInput.of(columns(ids, 0, prefill)).withCache(cache))));
            assertEquals(prefill, cache.length());
            for (int t = prefill; t < len; t++)
                steps.add(model.logits(model.forward(ModelInput.of(columns(ids, t, t + 1)).withCache(cache))));
            assertEquals(len, cache.length());
            Tensor incremental = Shapes.concat(1, steps);
            assertArrayEquals(full.dims(), incremental.dims());
            assertArrayEquals(full.toArray(), incremental.toArray(), 1e-4f);

            cache.clear();
            assertEquals(0, cache.length());
            Tensor again = model.logits(model.forward(ModelInput.of(ids).withCache(cache)));
            assertArrayEquals(full.toArray(), again.toArray(), 1e-4f, "a cleared cache starts over");
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"gpt2"})
    void theCacheCannotRunPastMaxSeq(String preset) {
        Transformer model = new Transformer(be, config(preset), 7);
        KVCache cache = new KVCache(model.config().layers());
        try (var g = GradMode.noGrad()) {
            model.forward(ModelInput.of(TinyModels.ids(1, 1, 16)).withCache(cache));
            assertThrows(IllegalArgumentException.class, () -> model.forward(ModelInput.of(TinyModels.ids(2, 1, 1)).withCache(cache)));
        }
    }
}
