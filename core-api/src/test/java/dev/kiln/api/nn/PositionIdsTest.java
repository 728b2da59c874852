package dev.kiln.api.nn;

import dev.kiln.api.autograd.GradMode;
import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.tensor.IntTensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Explicit positions [B, T]: the default ones reproduce the plain forward, others change it, bad ones are errors. */
class PositionIdsTest {

    @Test
    void explicitPositionsIndexThePositionTable() {
        Transformer net = new Transformer(new NaiveBackend(), TinyModels.gpt2(), 3);
        net.train(false);
        IntTensor ids = TinyModels.ids(5, 2, 6);
        try (var g = GradMode.noGrad()) {
            float[] plain = net.forward(ModelInput.of(ids)).toArray();
            int[] same = new int[12], restarted = new int[12];
            for (int i = 0; i < 12; i++) {
                same[i] = i % 6;
                restarted[i] = i % 3;            // two packed examples of 3 tokens per row
            }
            assertArrayEquals(plain, net.forward(ModelInput.of(ids).withPositions(new IntTensor(same, 2, 6))).toArray(), 0f);
            float[] other = net.forward(ModelInput.of(ids).withPositions(new IntTensor(restarted, 2, 6))).toArray();
            boolean differs = false;
            for (int i = 0; i < plain.length; i++) differs |= plain[i] != other[i];
            assertTrue(differs, "positions 0,1,2,0,1,2 are not 0..5");
            assertThrows(IllegalArgumentException.class, () -> net.forward(ModelInput.of(ids).withPositions(new IntTensor(new int[6], 1, 6))));
            int[] far = same.clone();
            far[3] = TinyModels.gpt2().maxSeq();
            assertThrows(IllegalArgumentException.class, () -> net.forward(ModelInput.of(ids).withPositions(new IntTensor(far, 2, 6))));
        }
    }
}
