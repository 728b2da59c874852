package dev.kiln.api.nn;

import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.ops.Losses;
import dev.kiln.api.tensor.IntTensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ParameterVectorTest {

    @Test
    void flatViewMatchesEachParameterAndRoundTrips() {
        Transformer m = new Transformer(new NaiveBackend(), TransformerConfig.gpt2(11, 8, 1, 2, 6), 3);
        ParameterVector v = new ParameterVector(m.namedParameters());
        assertEquals(m.parameterCount(), v.size());
        float[] flat = v.values();
        int off = v.offset("blocks.0.attn.qkv.weight");
        assertArrayEquals(m.namedParameters().get("blocks.0.attn.qkv.weight").toArray(),
                java.util.Arrays.copyOfRange(flat, off, off + 8 * 24));

        IntTensor ids = new IntTensor(new int[] {1, 2, 3, 4}, 1, 4);
        Losses.crossEntropy(m.logits(m.forward(ModelInput.of(ids))), new IntTensor(new int[] {2, 3, 4, 5}, 1, 4)).backward();
        float[] g = v.gradients();
        float[] doubled = g.clone();
        for (int i = 0; i < doubled.length; i++) doubled[i] *= 2;
        v.setGradients(doubled);
        assertArrayEquals(doubled, v.gradients(), 0f);

        for (int i = 0; i < flat.length; i++) flat[i] = i;
        v.setValues(flat);
        assertArrayEquals(flat, v.values(), 0f);
        assertThrows(IllegalArgumentException.class, () -> v.setValues(new float[3]));
    }
}
