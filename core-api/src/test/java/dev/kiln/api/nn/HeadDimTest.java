package dev.kiln.api.nn;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.ops.Losses;
import dev.kiln.api.ops.Shapes;
import dev.kiln.api.optim.AdamW;
import dev.kiln.api.optim.ParamGroup;
import dev.kiln.api.tensor.IntTensor;
import dev.kiln.api.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * head_dim ≠ d_model / heads (Qwen3: hidden 1024, 16 heads of 128): the projections are
 * [(Hq + 2Hkv)·D, C] and [C, Hq·D], and such a model trains. (Cached decoding: {@link KVCacheTest},
 * preset qwen3; key/value prefixes: {@link KeyValuePrefixTest}.)
 */
class HeadDimTest {
    private final Backend be = new NaiveBackend();

    @Test
    void projectionsUseTheHeadDim() {
        TransformerConfig cfg = TinyModels.qwen3();                 // C 16, Hq 4, Hkv 2, D 8
        assertEquals(8, cfg.headDim());
        Map<String, Tensor> p = new Transformer(be, cfg, 1).namedParameters();
        assertArrayEquals(new int[] {(4 + 2 * 2) * 8, 16}, p.get("blocks.0.attn.qkv.weight").dims());
        assertArrayEquals(new int[] {(4 + 2 * 2) * 8}, p.get("blocks.0.attn.qkv.bias").dims());
        assertArrayEquals(new int[] {16, 4 * 8}, p.get("blocks.0.attn.out.weight").dims());
        TransformerConfig narrow = TransformerConfig.gpt2(TinyModels.VOCAB, 16, 1, 4, 16).toBuilder().headDim(2).crossAttention(true).build();
        Map<String, Tensor> q = new Transformer(be, narrow, 1).namedParameters();
        assertArrayEquals(new int[] {3 * 4 * 2, 16}, q.get("blocks.0.attn.qkv.weight").dims());
        assertArrayEquals(new int[] {4 * 2, 16}, q.get("blocks.0.cross.q.weight").dims());
        assertArrayEquals(new int[] {2 * 4 * 2, 16}, q.get("blocks.0.cross.kv.weight").dims());
        assertArrayEquals(new int[] {16, 4 * 2}, q.get("blocks.0.cross.out.weight").dims());
    }

    /** Next-token loss on two fixed sequences falls well below its start (memorization) for a wide and a narrow head dim. */
    @Test
    void aModelWithWideHeadsTrains() {
        for (TransformerConfig cfg : new TransformerConfig[] {TinyModels.qwen3(),
                TransformerConfig.gpt2(TinyModels.VOCAB, 16, 1, 4, 16).toBuilder().headDim(2).build()}) {
            Transformer model = new Transformer(be, cfg, 12);
            model.train(true);
            IntTensor ids = TinyModels.ids(21, 2, 9);
            int[] in = new int[2 * 8], next = new int[2 * 8];
            for (int r = 0; r < 2; r++)
                for (int t = 0; t < 8; t++) {
                    in[r * 8 + t] = ids.get(r, t);
                    next[r * 8 + t] = ids.get(r, t + 1);
                }
            IntTensor x = new IntTensor(in, 2, 8);
            List<ParamGroup> groups = new ArrayList<>();
            model.namedParameters().forEach((k, v) -> groups.add(new ParamGroup(k, v, 1.0, 0.0)));
            AdamW opt = new AdamW(groups, 0.9, 0.98, 1e-8);
            double first = Double.NaN, last = Double.NaN;
            for (int step = 0; step < 60; step++) {
                for (ParamGroup g : groups) g.param().zeroGrad();
                Tensor loss = Losses.crossEntropy(Shapes.reshape(model.logits(model.forward(ModelInput.of(x))), 16, TinyModels.VOCAB),
                        new IntTensor(next, 16));
                loss.backward();
                opt.step(1e-2);
                if (step == 0) first = loss.item();
                last = loss.item();
            }
            assertTrue(last < 0.3 * first, "head_dim " + cfg.headDim() + ": loss " + first + " -> " + last);
        }
    }
}
