package dev.kiln.api.optim;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.nn.ModelInput;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.ops.Losses;
import dev.kiln.api.tensor.IntTensor;
import dev.kiln.api.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** LOMO takes SGD's steps with the update fused into backward, leaving no gradient buffer behind. */
class LomoTest {
    /** Weights may differ by this much after the run; measured 0 (the same kernels in the same order). */
    private static final float TOLERANCE = 1e-6f;
    private static final int STEPS = 5;
    private final Backend be = new NaiveBackend();
    private final IntTensor ids = ids(4), targets = ids(5);

    private static IntTensor ids(long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        int[] v = new int[2 * 8];
        for (int i = 0; i < v.length; i++) v[i] = rng.nextInt(32);
        return new IntTensor(v, 2, 8);
    }

    private Transformer model(boolean checkpointing) {
        Transformer m = new Transformer(be, TransformerConfig.gpt2(32, 16, 2, 4, 16).toBuilder().dropout(0.1f).build(), 8);
        m.setGradientCheckpointing(checkpointing);
        return m;
    }

    private static List<ParamGroup> groups(Transformer m) {
        List<ParamGroup> g = new ArrayList<>();
        m.namedParameters().forEach((k, t) -> g.add(new ParamGroup(k, t, k.contains("norm") ? 0.5 : 1, ParamGroup.decays(k, t) ? 0.1 : 0)));
        return g;
    }

    private Tensor loss(Transformer m, int step) {
        m.setDropoutSeed(step);
        return Losses.crossEntropy(m.logits(m.forward(ModelInput.of(ids))), targets);
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void equalsPlainSgdAndHoldsNoGradients(boolean checkpointing) {
        Transformer a = model(false), b = model(checkpointing);
        Sgd sgd = new Sgd(groups(a), 0);
        Lomo lomo = new Lomo(groups(b));
        for (int s = 0; s < STEPS; s++) {
            double lr = 0.05 * (1 + s);
            for (Tensor p : a.parameters()) p.zeroGrad();
            loss(a, s).backward();
            sgd.step(lr);

            lomo.beginStep(lr);
            loss(b, s).backward();
            for (var e : b.namedParameters().entrySet()) assertFalse(e.getValue().hasGrad(), e.getKey() + " holds a gradient after backward");
            assertTrue(lomo.gradNorm() > 0);
            lomo.step(lr);
        }
        assertEquals(STEPS, lomo.steps());
        Map<String, Tensor> pa = a.namedParameters(), pb = b.namedParameters();
        float worst = 0;
        for (String k : pa.keySet()) {
            float[] x = pa.get(k).toArray(), y = pb.get(k).toArray();
            for (int i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i] - y[i]));
        }
        assertTrue(worst <= TOLERANCE, "largest weight difference " + worst);
        assertTrue(!java.util.Arrays.equals(pa.get("blocks.0.mlp.up.weight").toArray(), model(false).namedParameters().get("blocks.0.mlp.up.weight").toArray()),
                "the weights moved");
        assertEquals(0, lomo.stateBytes());
    }
}
