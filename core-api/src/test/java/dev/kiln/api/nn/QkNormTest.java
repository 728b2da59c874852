package dev.kiln.api.nn;

import dev.kiln.api.autograd.GradMode;
import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.tensor.IntTensor;
import dev.kiln.api.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * qk_norm (Qwen3's q_norm / k_norm): an RMSNorm with weight [head_dim] over each head of q and of
 * k, after the projection and before rotary. (Gradients: {@link TransformerGradCheckTest}, preset
 * qwen3; with the KV cache: {@link KVCacheTest}.)
 */
class QkNormTest {
    private final Backend be = new NaiveBackend();

    @Test
    void parametersAreNamedAndShapedLikeQwen3s() {
        Map<String, Tensor> p = new Transformer(be, TinyModels.qwen3(), 1).namedParameters();
        for (int layer = 0; layer < 2; layer++) {
            assertArrayEquals(new int[] {8}, p.get("blocks." + layer + ".attn.q_norm.weight").dims());
            assertArrayEquals(new int[] {8}, p.get("blocks." + layer + ".attn.k_norm.weight").dims());
        }
        assertFalse(p.containsKey("blocks.0.attn.q_norm.bias"), "RMSNorm has no bias");
        assertFalse(new Transformer(be, TinyModels.llama(), 1).namedParameters().containsKey("blocks.0.attn.q_norm.weight"));
        assertNull(new Transformer(be, TinyModels.llama(), 1).blocks().get(0).attention().qNorm());
    }

    /**
     * Scaling one query head's (or one key head's) projection rows leaves a per-head norm's output
     * unchanged (up to eps), so the model's output too; without qk_norm it changes the output.
     */
    @Test
    void eachHeadIsNormalizedSeparately() {
        IntTensor ids = TinyModels.ids(5, 2, 6);
        for (boolean qkNorm : new boolean[] {true, false}) {
            TransformerConfig cfg = TinyModels.qwen3().toBuilder().qkNorm(qkNorm).qkvBias(false).initStd(0.3f).build();
            Transformer model = new Transformer(be, cfg, 3);
            model.train(false);
            try (var g = GradMode.noGrad()) {
                float[] before = model.forward(ModelInput.of(ids)).toArray();
                Tensor w = model.namedParameters().get("blocks.0.attn.qkv.weight");     // [(Hq + 2Hkv)·D, C]
                float[] scaled = w.toArray();
                int d = cfg.headDim(), c = cfg.dModel();
                for (int row = 1 * d; row < 2 * d; row++) for (int j = 0; j < c; j++) scaled[row * c + j] *= 3f;   // q head 1
                int k0 = cfg.heads() * d;
                for (int row = k0; row < k0 + d; row++) for (int j = 0; j < c; j++) scaled[row * c + j] *= 0.5f;    // k head 0
                w.copyFrom(scaled);
                float[] after = model.forward(ModelInput.of(ids)).toArray();
                double diff = 0;
                for (int i = 0; i < after.length; i++) diff = Math.max(diff, Math.abs(after[i] - before[i]));
                if (qkNorm) assertTrue(diff < 1e-4, "qk_norm makes a head's scale irrelevant, max diff " + diff);
                else assertTrue(diff > 1e-3, "without qk_norm the scale matters, max diff " + diff);
            }
        }
    }

    /** The norm's weight scales q (and k) per dimension: weight 2 on q doubles every score, like a scale of 2. */
    @Test
    void theWeightScalesTheNormalizedHead() {
        TransformerConfig cfg = TinyModels.qwen3().toBuilder().layers(1).build();
        Transformer model = new Transformer(be, cfg, 4);
        model.train(false);
        IntTensor ids = TinyModels.ids(6, 1, 5);
        try (var g = GradMode.noGrad()) {
            float[] base = model.forward(ModelInput.of(ids)).toArray();
            Tensor qw = model.namedParameters().get("blocks.0.attn.q_norm.weight");
            float[] two = new float[8];
            java.util.Arrays.fill(two, 2f);
            qw.copyFrom(two);
            float[] doubled = model.forward(ModelInput.of(ids)).toArray();
            assertFalse(java.util.Arrays.equals(base, doubled), "the q_norm weight is used");
            qw.copyFrom(new float[] {1, 1, 1, 1, 1, 1, 1, 1});
            assertArrayEquals(base, model.forward(ModelInput.of(ids)).toArray(), 0f);
            assertEquals(8, qw.size());
        }
    }
}
