package dev.kiln.finetune.lora;

import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.nn.ModelInput;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.ops.Losses;
import dev.kiln.api.tensor.IntTensor;
import dev.kiln.api.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * LoRA's dropout masks depend on the step's dropout seed, the layer and the adapter only: a
 * gradient-checkpointing recompute draws the masks of the original pass (so the gradients are those
 * of the uncheckpointed model), and the same step seed gives the same masks in a fresh model (a
 * resumed run), where they used to come from a per-layer call counter.
 */
class LoraDropoutTest {

    /** LoRA (dropout 0.5, B nonzero so the adapter path matters) gradients of one training step at dropout seed 7. */
    private static Map<String, float[]> gradients(boolean checkpointing, int warmUpCalls) {
        Transformer m = new Transformer(new NaiveBackend(), LoraFineTunerTest.GPT, 3);
        LoraFineTunerTest.lora(Map.of("r", 4, "alpha", 8, "dropout", 0.5, "target_modules", List.of("all-linear"))).configure(m, null);
        for (var e : m.namedParameters().entrySet())
            if (e.getKey().contains("lora_B")) {
                float[] v = new float[e.getValue().size()];
                for (int i = 0; i < v.length; i++) v[i] = 0.01f * ((i * 7 + 3) % 11 - 5);
                e.getValue().copyFrom(v);
            }
        m.train(true);
        IntTensor ids = LoraFineTunerTest.ids();
        for (int i = 0; i < warmUpCalls; i++) m.forward(ModelInput.of(ids));      // earlier steps' forwards: must not matter
        m.setGradientCheckpointing(checkpointing);
        m.setDropoutSeed(7);
        for (Tensor p : m.parameters()) p.zeroGrad();
        Tensor logits = m.logits(m.forward(ModelInput.of(ids)));
        int[] targets = ids.data().clone();
        Losses.crossEntropy(dev.kiln.api.ops.Shapes.reshape(logits, targets.length, logits.dim(-1)), new IntTensor(targets, targets.length)).backward();
        Map<String, float[]> grads = new LinkedHashMap<>();
        for (var e : m.namedParameters().entrySet()) if (e.getValue().hasGrad()) grads.put(e.getKey(), e.getValue().grad().toArray());
        return grads;
    }

    @Test
    void checkpointingAndResumingDrawTheSameMasks() {
        Map<String, float[]> plain = gradients(false, 0), checkpointed = gradients(true, 0), resumedLater = gradients(false, 3);
        assertFalse(plain.isEmpty());
        assertTrue(plain.keySet().stream().anyMatch(k -> k.contains("lora_A")), plain.keySet().toString());
        for (String k : plain.keySet()) {
            assertArrayEquals(plain.get(k), checkpointed.get(k), 1e-6f, "gradient-checkpointing recompute: " + k);
            assertArrayEquals(plain.get(k), resumedLater.get(k), 1e-6f, "same step seed after other forwards: " + k);
        }
    }
}
