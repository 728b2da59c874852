package dev.kiln.api.nn;

import dev.kiln.api.autograd.GradMode;
import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.tensor.IntTensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * sliding_window (Mistral) in the backbone: with window W each layer sees W keys, so after L layers a
 * token reaches back L·(W − 1) positions and no further. (Cached decoding: {@link KVCacheTest}.)
 */
class SlidingWindowTest {
    private final Backend be = new NaiveBackend();

    /** Max |Δ| per position of the hidden states when token 0 changes. */
    private double[] influenceOfTheFirstToken(TransformerConfig cfg, int len) {
        Transformer model = new Transformer(be, cfg, 2);
        model.train(false);
        IntTensor ids = TinyModels.ids(9, 1, len);
        try (var g = GradMode.noGrad()) {
            float[] a = model.forward(ModelInput.of(ids)).toArray(), b = model.forward(ModelInput.of(TinyModels.changed(ids, 0, 0))).toArray();
            int c = cfg.dModel();
            double[] diff = new double[len];
            for (int t = 0; t < len; t++) for (int j = 0; j < c; j++) diff[t] = Math.max(diff[t], Math.abs(a[t * c + j] - b[t * c + j]));
            return diff;
        }
    }

    @Test
    void aTokenReachesBackLayersTimesWindowMinusOne() {
        for (int layers : new int[] {1, 2}) {
            TransformerConfig cfg = TinyModels.mistral().toBuilder().layers(layers).build();   // W = 3
            double[] diff = influenceOfTheFirstToken(cfg, 9);
            int reach = layers * (3 - 1);
            for (int t = 0; t < 9; t++) {
                if (t <= reach) assertTrue(diff[t] > 1e-6, layers + " layers: position " + t + " sees token 0, diff " + diff[t]);
                else assertTrue(diff[t] == 0, layers + " layers: position " + t + " is out of reach, diff " + diff[t]);
            }
        }
        double[] full = influenceOfTheFirstToken(TinyModels.llama().toBuilder().layers(1).build(), 9);
        assertTrue(full[8] > 1e-6, "without a window the last token sees the first");
    }

    @Test
    void aWindowNeedsACausalModel() {
        assertThrows(IllegalArgumentException.class, () -> TinyModels.mistral().toBuilder().causal(false).build());
    }
}
