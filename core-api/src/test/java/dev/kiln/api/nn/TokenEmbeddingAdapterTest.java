package dev.kiln.api.nn;

import dev.kiln.api.autograd.GradMode;
import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.ops.Arithmetic;
import dev.kiln.api.ops.Losses;
import dev.kiln.api.tensor.IntTensor;
import dev.kiln.api.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** Adapters on the token-embedding lookup: they run in forward, train, name their parameters, and detach. */
class TokenEmbeddingAdapterTest {
    /** Adds one learned vector to every token's embedding. */
    static final class Shift extends TokenEmbeddingAdapter {
        final Tensor bias;
        boolean on = true;

        Shift(int width) { bias = register("bias", Tensor.zeros(new NaiveBackend(), width)); }

        @Override
        public Tensor apply(IntTensor ids, Tensor x) { return Arithmetic.add(x, bias); }

        @Override
        public boolean active() { return on; }
    }

    static float[] hidden(Transformer net, IntTensor ids) {
        try (var g = GradMode.noGrad()) {
            return net.forward(ModelInput.of(ids)).toArray();
        }
    }

    @Test
    void anAdapterChangesTheEmbeddingsTrainsAndDetaches() {
        Transformer net = new Transformer(new NaiveBackend(), TinyModels.gpt2(), 3);
        net.train(false);
        IntTensor ids = TinyModels.ids(5, 2, 6);
        float[] plain = hidden(net, ids);
        Shift shift = new Shift(net.config().dModel());
        net.addTokenAdapter("shift", shift);
        assertSame(shift.bias, net.namedParameters().get("embed.tokens.shift.bias"), net.namedParameters().keySet().toString());
        assertArrayEquals(plain, hidden(net, ids), 0f, "a zero shift changes nothing");

        shift.bias.copyFrom(new float[] {0.5f, -0.25f, 1f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0.75f});
        float[] shifted = hidden(net, ids);
        assertTrue(maxDiff(plain, shifted) > 1e-3, "the adapter runs in forward");
        shift.on = false;
        assertArrayEquals(plain, hidden(net, ids), 0f, "an inactive adapter is skipped");
        shift.on = true;

        net.parameters().forEach(Tensor::zeroGrad);
        Losses.crossEntropy(net.logits(net.forward(ModelInput.of(ids))), new IntTensor(new int[12], 2, 6)).backward();
        assertNotNull(shift.bias.grad(), "gradients reach the adapter's parameters");
        assertTrue(maxAbs(shift.bias.grad().toArray()) > 0);

        assertThrows(IllegalArgumentException.class, () -> net.removeTokenAdapter("nope"));
        assertSame(shift, net.removeTokenAdapter("shift"));
        assertTrue(net.tokenAdapters().isEmpty() && !net.namedParameters().containsKey("embed.tokens.shift.bias"));
        assertArrayEquals(plain, hidden(net, ids), 0f, "detached, the model is the plain one again");
    }

    static float maxDiff(float[] a, float[] b) {
        float d = 0;
        for (int i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
        return d;
    }

    static float maxAbs(float[] a) {
        float m = 0;
        for (float v : a) m = Math.max(m, Math.abs(v));
        return m;
    }
}
