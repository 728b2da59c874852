package dev.kiln.api.nn;

import dev.kiln.api.autograd.TapeStats;
import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.ops.Losses;
import dev.kiln.api.tensor.IntTensor;
import dev.kiln.api.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Checkpointed blocks give the gradients of the plain graph while the tape keeps far fewer activations. */
class GradientCheckpointingTest {
    /** Largest gradient difference allowed; measured 0 (the recompute replays the same ops in the same order). */
    private static final float TOLERANCE = 1e-6f;
    private final Backend be = new NaiveBackend();
    private final IntTensor ids = TinyModels.ids(7, 2, 6), targets = TinyModels.ids(8, 2, 6);

    private static TransformerConfig config(String kind, float dropout) {
        TransformerConfig c = kind.equals("llama") ? TinyModels.llama() : TinyModels.gpt2();
        return c.toBuilder().dropout(dropout).layers(3).build();
    }

    /** Language-model loss over ids → targets: logits [B, T, V], cross-entropy → scalar. */
    private Tensor loss(Transformer m) {
        m.setDropoutSeed(99);
        return Losses.crossEntropy(m.logits(m.forward(ModelInput.of(ids))), targets);
    }

    private Map<String, float[]> gradients(Transformer m) {
        loss(m).backward();
        Map<String, float[]> g = new LinkedHashMap<>();
        for (var e : m.namedParameters().entrySet()) if (e.getValue().hasGrad()) g.put(e.getKey(), e.getValue().grad().toArray());
        return g;
    }

    @ParameterizedTest
    @CsvSource({"gpt2, 0", "gpt2, 0.3", "llama, 0", "llama, 0.2"})
    void checkpointedGradientsEqualThePlainGraph(String kind, float dropout) {
        Transformer plain = new Transformer(be, config(kind, dropout), 21), ckpt = new Transformer(be, config(kind, dropout), 21);
        ckpt.setGradientCheckpointing(true);
        assertEquals(loss(plain).item(), loss(ckpt).item(), 0f, "same forward value");
        Map<String, float[]> a = gradients(plain), b = gradients(ckpt);
        assertEquals(a.keySet(), b.keySet(), "the same parameters receive gradients");
        float worst = 0;
        for (String k : a.keySet()) {
            float[] x = a.get(k), y = b.get(k);
            for (int i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i] - y[i]));
        }
        assertTrue(worst <= TOLERANCE, "largest gradient difference " + worst);
        assertTrue(a.get("blocks.0.mlp.up.weight").length > 0);
    }

    @Test
    void blocksTrainWhenTheirInputNeedsNoGradient() {
        // LoRA-style: frozen embeddings, so the first block's input does not require grad
        Transformer plain = new Transformer(be, config("gpt2", 0.1f), 5), ckpt = new Transformer(be, config("gpt2", 0.1f), 5);
        ckpt.setGradientCheckpointing(true);
        for (Transformer m : new Transformer[] {plain, ckpt})
            m.namedParameters().forEach((k, t) -> { if (k.startsWith("embed")) t.requiresGrad(false); });
        Map<String, float[]> a = gradients(plain), b = gradients(ckpt);
        assertEquals(a.keySet(), b.keySet());
        assertNotNull(b.get("blocks.0.attn.qkv.weight"), "the first block's weights get a gradient: " + b.keySet());
        for (String k : a.keySet()) org.junit.jupiter.api.Assertions.assertArrayEquals(a.get(k), b.get(k), TOLERANCE, k);
    }

    @Test
    void theTapeKeepsOnlyEachBlocksInput() {
        Transformer plain = new Transformer(be, config("gpt2", 0.1f), 3), ckpt = new Transformer(be, config("gpt2", 0.1f), 3);
        ckpt.setGradientCheckpointing(true);
        TapeStats full = TapeStats.of(loss(plain)), kept = TapeStats.of(loss(ckpt));
        // 3 blocks of ~11 recorded ops each (a linear layer is one op) collapse to 3 checkpoint nodes
        assertTrue(kept.tensors() * 3 < full.tensors(), "tensors on the tape: " + kept + " vs " + full);
        assertTrue(kept.bytes() * 3 < full.bytes(), "bytes on the tape: " + kept + " vs " + full);
        plain.train(false);
        ckpt.train(false);
        assertEquals(TapeStats.of(loss(plain)), TapeStats.of(loss(ckpt)), "evaluation mode records the plain graph");
    }
    @Test
    void crossAttentionEncoderStatesGetTheirGradientThroughTheCheckpoint() {
        TransformerConfig c = TinyModels.with(TinyModels.gpt2(), 0.2f, true, 0.1f);
        Transformer plain = new Transformer(be, c, 4), ckpt = new Transformer(be, c, 4);
        ckpt.setGradientCheckpointing(true);
        float[][] encoderGrads = new float[2][];
        @SuppressWarnings("unchecked") Map<String, float[]>[] grads = new Map[2];
        Transformer[] models = {plain, ckpt};
        for (int k = 0; k < 2; k++) {
            // encoder states [B, S, C] = [2, 3, 16], a leaf standing in for an encoder's output
            Tensor enc = dev.kiln.api.ops.GradCheck.randn(be, 31, 2, 3, 16).requiresGrad(true);
            models[k].setDropoutSeed(3);
            Tensor h = models[k].forward(ModelInput.of(ids).withEncoder(enc, null));
            Losses.crossEntropy(models[k].logits(h), targets).backward();
            encoderGrads[k] = enc.grad().toArray();
            grads[k] = new LinkedHashMap<>();
            for (var e : models[k].namedParameters().entrySet()) grads[k].put(e.getKey(), e.getValue().grad().toArray());
        }
        org.junit.jupiter.api.Assertions.assertArrayEquals(encoderGrads[0], encoderGrads[1], TOLERANCE, "encoder states");
        assertTrue(grads[1].keySet().stream().anyMatch(n -> n.contains(".cross.")), "the cross-attention weights train: " + grads[1].keySet());
        for (String n : grads[0].keySet()) org.junit.jupiter.api.Assertions.assertArrayEquals(grads[0].get(n), grads[1].get(n), TOLERANCE, n);
    }
}
