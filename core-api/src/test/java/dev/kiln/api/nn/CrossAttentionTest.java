package dev.kiln.api.nn;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.ops.GradCheck;
import dev.kiln.api.ops.Losses;
import dev.kiln.api.tensor.IntTensor;
import dev.kiln.api.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A decoder with cross-attention: it runs, and its loss reaches the encoder states (but not masked ones). */
class CrossAttentionTest {
    private static final int B = 2, T = 4, S = 3, C = 16;
    private final Backend be = new NaiveBackend();

    private Transformer decoder(float initStd) {
        return new Transformer(be, TinyModels.with(TinyModels.gpt2(), 0f, true, initStd), 8);
    }

    private static Tensor loss(Transformer model, IntTensor ids, Tensor encoder, IntTensor encoderMask, IntTensor targets) {
        Tensor h = model.forward(ModelInput.of(ids).withEncoder(encoder, encoderMask));
        return Losses.crossEntropy(model.logits(h), targets);
    }

    @Test
    void gradientReachesTheEncoderStatesExceptMaskedOnes() {
        Transformer model = decoder(0.02f);
        Tensor encoder = GradCheck.randn(be, 161, B, S, C).requiresGrad(true);
        IntTensor encoderMask = new IntTensor(new int[] {1, 1, 0, 1, 1, 1}, B, S);
        IntTensor ids = TinyModels.ids(21, B, T), targets = TinyModels.ids(22, B, T);
        Tensor loss = loss(model, ids, encoder, encoderMask, targets);
        assertArrayEquals(new int[] {1}, loss.dims());
        loss.backward();
        float[] g = encoder.grad().toArray();
        for (int s = 0; s < S; s++) {
            double norm = 0;
            for (int c = 0; c < C; c++) norm += Math.abs(g[s * C + c]);
            if (s == 2) assertEquals(0.0, norm, "a masked encoder position gets no gradient");
            else assertTrue(norm > 0, "encoder position " + s + " gets a gradient");
        }
        assertTrue(model.namedParameters().get("blocks.0.cross.kv.weight").hasGrad());
        assertTrue(model.namedParameters().get("blocks.1.norm_cross.weight").hasGrad());
    }

    @Test
    void encoderGradientMatchesFiniteDifferences() {
        Transformer model = decoder(0.3f);
        Tensor encoder = GradCheck.randn(be, 162, B, S, C);
        IntTensor encoderMask = new IntTensor(new int[] {1, 1, 1, 1, 0, 1}, B, S);
        IntTensor ids = TinyModels.ids(23, B, T), targets = TinyModels.ids(24, B, T);
        GradCheck.defaults().sample(24).check("loss wrt encoder states",
                () -> loss(model, ids, encoder, encoderMask, targets), encoder);
    }

    @Test
    void theEncoderChangesTheOutput() {
        Transformer model = decoder(0.3f);
        model.train(false);
        IntTensor ids = TinyModels.ids(25, 1, T);
        float[] a = model.forward(ModelInput.of(ids).withEncoder(GradCheck.randn(be, 163, 1, S, C), null)).toArray();
        float[] b = model.forward(ModelInput.of(ids).withEncoder(GradCheck.randn(be, 164, 1, S, C), null)).toArray();
        double diff = 0;
        for (int i = 0; i < a.length; i++) diff = Math.max(diff, Math.abs(a[i] - b[i]));
        assertTrue(diff > 1e-3, "decoder output depends on the encoder, max diff " + diff);
    }
}
