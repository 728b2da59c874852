package dev.kiln.api.nn;

import dev.kiln.api.autograd.GradMode;
import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.objective.ReferencePolicy;
import dev.kiln.api.ops.Arithmetic;
import dev.kiln.api.tensor.IntTensor;
import dev.kiln.api.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/**
 * PEFT's disable_adapter as a scope: with every kind of adapter attached (a linear adapter, a
 * token-embedding adapter, a soft prompt, a key/value prefix), the model inside the scope computes
 * exactly what a fresh copy of the base computes, and the adapters come back when it closes.
 */
class DisableAdaptersTest {
    /** Adds 0.5 to a projection's output. */
    static final class Bump extends Linear.LinearAdapter {
        @Override
        public Tensor apply(Tensor x, Tensor y) { return Arithmetic.addScalar(y, 0.5f); }
    }

    static float[] logits(Transformer net, IntTensor ids) {
        try (var g = GradMode.noGrad()) {
            return net.logits(net.forward(ModelInput.of(ids))).toArray();
        }
    }

    static void randomize(Tensor t, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] v = new float[t.size()];
        for (int i = 0; i < v.length; i++) v[i] = (float) rng.nextGaussian();
        t.copyFrom(v);
    }

    static Transformer withEveryAdapter(long seed) {
        Transformer net = new Transformer(new NaiveBackend(), TinyModels.gpt2(), seed);
        net.train(false);
        ((Linear) net.namedModules().get("blocks.0.mlp.up")).addAdapter("bump", new Bump());
        net.addTokenAdapter("shift", new TokenEmbeddingAdapterTest.Shift(net.config().dModel()));
        randomize(net.namedParameters().get("embed.tokens.shift.bias"), 1);
        randomize(net.attachSoftPrompt(2).weight(), 2);
        net.attachPrefix(3);
        randomize(net.blocks().get(1).attention().prefix().keys(), 3);
        randomize(net.blocks().get(1).attention().prefix().values(), 4);
        return net;
    }

    @Test
    void disabledAdaptersComputeTheBaseExactly() {
        Transformer net = withEveryAdapter(3), base = new Transformer(new NaiveBackend(), TinyModels.gpt2(), 3);
        base.train(false);
        assertTrue(net.hasAdapters());
        assertFalse(base.hasAdapters());
        IntTensor ids = TinyModels.ids(9, 2, 5);
        float[] adapted = logits(net, ids), plain = logits(base, ids);
        assertFalse(java.util.Arrays.equals(adapted, plain), "the adapters change the output");
        try (var off = net.disableAdapters()) {
            assertArrayEquals(plain, logits(net, ids), 0f, "bit-identical to the base");
            assertFalse(net.hasAdapters());
            try (var again = net.disableAdapters()) {
                assertArrayEquals(plain, logits(net, ids), 0f);
            }
            assertArrayEquals(plain, logits(net, ids), 0f, "closing a nested scope keeps the outer one off");
        }
        assertArrayEquals(adapted, logits(net, ids), 0f, "closing restores every adapter");
    }

    @Test
    void referencePolicyRunsWithoutTapeInEvalModeAndRestoresTheMode() {
        Transformer net = withEveryAdapter(4), base = new Transformer(new NaiveBackend(), TinyModels.with(TinyModels.gpt2(), 0.5f, false, 0.02f), 4);
        net.train(true);
        IntTensor ids = TinyModels.ids(2, 1, 4);
        ReferencePolicy ref = ReferencePolicy.adaptersDisabled(net);
        Tensor out = ref.apply(m -> {
            assertFalse(m.isTraining(), "no dropout in the reference");
            assertFalse(GradMode.isEnabled(), "no tape");
            return m.logits(m.forward(ModelInput.of(ids)));
        });
        assertTrue(out.isLeaf(), "nothing recorded");
        assertTrue(net.isTraining(), "the policy's mode is restored");
        assertTrue(net.hasAdapters());
        ReferencePolicy frozen = ReferencePolicy.frozen(base, "the base");
        assertEquals(0, base.trainableParameterCount());
        assertFalse(base.isTraining());
        float[] a = frozen.apply(m -> m.logits(m.forward(ModelInput.of(ids))).toArray());
        float[] b = frozen.apply(m -> m.logits(m.forward(ModelInput.of(ids))).toArray());
        assertArrayEquals(a, b, 0f, "dropout 0.5 in the config, yet the frozen copy is deterministic");
    }
}
