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
        // 3 blocks of ~30 recorded ops each collapse to 3 checkpoint nodes
        assertTrue(kept.tensors() * 4 < full.tensors(), "tensors on the tape: " + kept + " vs " + full);
        assertTrue(kept.bytes() * 3 < full.bytes(), "bytes on the tape: " + kept + " vs " + full);
        plain.train(false);
        ckpt.train(false);
        assertEquals(TapeStats.of(loss(plain)), TapeStats.of(loss(ckpt)), "evaluation mode records the plain graph");
    }
}
