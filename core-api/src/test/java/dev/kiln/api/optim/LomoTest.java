package dev.kiln.api.optim;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.backend.UnaryOp;
import dev.kiln.api.nn.ModelInput;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.ops.Losses;
import dev.kiln.api.tensor.IntTensor;
import dev.kiln.api.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** LOMO takes SGD's steps with the update fused into backward, leaving no gradient buffer behind. */
class LomoTest {
    /** Weights may differ by this much after the run; measured 0 unclipped (the same kernels in the same order), see the output when clipped. */
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

    /** torch.nn.utils.clip_grad_norm_ as the trainer's GradientClipping does it: the factor min(1, max / (‖g‖ + 1e-6)). */
    private static float clipScale(double norm, double max) {
        return max > 0 && norm > max ? (float) (max / (norm + 1e-6)) : 1f;
    }

    @ParameterizedTest
    @CsvSource({"false, 0", "true, 0", "false, 0.5", "true, 0.5"})
    void equalsPlainSgdAndHoldsNoGradients(boolean checkpointing, double clip) {
        Transformer a = model(false), b = model(checkpointing);
        Sgd sgd = new Sgd(groups(a), 0);
        Lomo lomo = new Lomo(groups(b));
        int clipped = 0;
        for (int s = 0; s < STEPS; s++) {
            double lr = 0.05 * (1 + s);
            for (Tensor p : a.parameters()) p.zeroGrad();
            loss(a, s).backward();
            double sq = 0;
            for (Tensor p : a.parameters()) if (p.hasGrad()) sq += be.sumOfSquares(p.gradForAccumulation(), p.size());
            float scale = clipScale(Math.sqrt(sq), clip);
            if (scale != 1f) {
                clipped++;
                for (Tensor p : a.parameters()) if (p.hasGrad()) be.unary(UnaryOp.SCALE, p.gradForAccumulation(), p.gradForAccumulation(), p.size(), scale);
            }
            sgd.step(lr);

            float lomoScale = 1f;
            if (clip > 0) {                                  // LOMO's first pass: the global norm only
                lomo.beginNormPass();
                loss(b, s).backward();
                assertEquals(Math.sqrt(sq), lomo.gradNorm(), 1e-5 * Math.sqrt(sq), "the norm pass sees SGD's gradients");
                lomoScale = clipScale(lomo.gradNorm(), clip);
            }
            lomo.beginStep(lr, lomoScale);
            loss(b, s).backward();
            for (var e : b.namedParameters().entrySet()) assertFalse(e.getValue().hasGrad(), e.getKey() + " holds a gradient after backward");
            assertTrue(lomo.gradNorm() > 0);
            lomo.step(lr);
        }
        if (clip > 0) assertTrue(clipped > 0, "clipping engaged");
        assertEquals(STEPS, lomo.steps());
        Map<String, Tensor> pa = a.namedParameters(), pb = b.namedParameters();
        float worst = 0;
        for (String k : pa.keySet()) {
            float[] x = pa.get(k).toArray(), y = pb.get(k).toArray();
            for (int i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i] - y[i]));
        }
        System.out.printf("lomo vs sgd (checkpointing %s, clip %s): largest weight difference %.3g%n", checkpointing, clip, worst);
        assertTrue(worst <= TOLERANCE, "largest weight difference " + worst);
        assertTrue(!java.util.Arrays.equals(pa.get("blocks.0.mlp.up.weight").toArray(), model(false).namedParameters().get("blocks.0.mlp.up.weight").toArray()),
                "the weights moved");
        assertEquals(0, lomo.stateBytes());
    }
}
