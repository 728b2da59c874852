package dev.kiln.api.optim;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.kiln.api.optim.OptimTestSupport.setGrad;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** AdamW steps against a hand computation in double precision. */
class AdamWTest {
    private static final double B1 = 0.9, B2 = 0.95, EPS = 1e-8;
    private final Backend be = new NaiveBackend();

    @Test
    void stepsMatchTheHandComputation() {
        float[] p0 = {0.5f, -1f, 2f, 0f};
        float[][] grads = {{0.1f, -0.2f, 0.3f, 0f}, {-0.4f, 0.05f, 0.3f, 1f}, {0.2f, 0.2f, -0.1f, -1f}};
        double lr = 0.01, lrScale = 0.5, wd = 0.1;
        Tensor p = Tensor.of(be, p0, 2, 2).requiresGrad(true);
        AdamW opt = new AdamW(List.of(new ParamGroup("w", p, lrScale, wd)), B1, B2, EPS);

        double[] ref = new double[4], m = new double[4], v = new double[4];
        for (int i = 0; i < 4; i++) ref[i] = p0[i];
        for (int step = 1; step <= grads.length; step++) {
            setGrad(p, grads[step - 1]);
            opt.step(lr);
            double rate = lr * lrScale;
            for (int i = 0; i < 4; i++) {
                double g = grads[step - 1][i];
                m[i] = B1 * m[i] + (1 - B1) * g;
                v[i] = B2 * v[i] + (1 - B2) * g * g;
                double mHat = m[i] / (1 - Math.pow(B1, step)), vHat = v[i] / (1 - Math.pow(B2, step));
                ref[i] -= rate * (wd * ref[i] + mHat / (Math.sqrt(vHat) + EPS));
            }
            float[] got = p.toArray();
            for (int i = 0; i < 4; i++) assertEquals(ref[i], got[i], 1e-6, "step " + step + " element " + i);
        }
        assertEquals(3, opt.steps());
    }

    @Test
    void firstStepMovesEachWeightByAboutTheLearningRate() {
        // step 1 without decay: m̂ = g, v̂ = g², so the update is lr · g/|g| = ±lr
        Tensor p = Tensor.of(be, new float[] {1f, 1f, 1f}, 3).requiresGrad(true);
        AdamW opt = new AdamW(List.of(new ParamGroup("b", p, 1, 0)), B1, B2, EPS);
        setGrad(p, 3f, -0.001f, 0f);
        opt.step(0.1);
        assertArrayEquals(new float[] {0.9f, 1.1f, 1f}, p.toArray(), 1e-5f);
    }

    @Test
    void parametersWithoutAGradientAreLeftAlone() {
        Tensor a = Tensor.of(be, new float[] {1f, 2f}, 2).requiresGrad(true), b = Tensor.of(be, new float[] {3f}, 1).requiresGrad(true);
        AdamW opt = new AdamW(List.of(new ParamGroup("a", a, 1, 0.1), new ParamGroup("b", b, 1, 0.1)), B1, B2, EPS);
        setGrad(a, 1f, 1f);
        opt.step(0.1);
        assertArrayEquals(new float[] {3f}, b.toArray(), "no gradient: no decay either");
        assertEquals(1f - 0.1f * (0.1f + 1f), a.toArray()[0], 1e-6f);
    }

    /**
     * PyTorch counts steps per parameter: one without a gradient for two steps gets its first update
     * with bias correction t = 1 (a move of lr), not t = 3 (about 0.64·lr), and the count survives a
     * save and load; state from before per-parameter counts loads with the global count.
     */
    @Test
    void aParameterFirstUpdatedAtStepThreeIsCorrectedAsItsFirstStep() {
        for (boolean eightBit : new boolean[] {false, true}) {
            Tensor a = Tensor.of(be, new float[] {1f}, 1).requiresGrad(true), b = Tensor.of(be, new float[] {1f}, 1).requiresGrad(true);
            List<ParamGroup> groups = List.of(new ParamGroup("a", a, 1, 0), new ParamGroup("b", b, 1, 0));
            Optimizer opt = eightBit ? new AdamW8bit(groups, B1, B2, EPS) : new AdamW(groups, B1, B2, EPS);
            for (int step = 1; step <= 2; step++) {
                setGrad(a, 1f);
                b.zeroGrad();
                opt.step(0.1);
            }
            setGrad(a, 1f);
            setGrad(b, 1f);
            opt.step(0.1);
            assertEquals(0.9f, b.toArray()[0], 1e-5f, (eightBit ? "adamw8bit" : "adamw") + ": b's first update");
            assertEquals(3, opt.steps());
            java.util.Map<String, float[]> state = opt.state();
            assertArrayEquals(new float[] {0, 1}, state.get("step.b"));
            assertArrayEquals(new float[] {0, 3}, state.get("step.a"));

            Optimizer reloaded = eightBit ? new AdamW8bit(groups, B1, B2, EPS) : new AdamW(groups, B1, B2, EPS);
            reloaded.load(state, 3);
            assertArrayEquals(new float[] {0, 1}, reloaded.state().get("step.b"));
            java.util.Map<String, float[]> old = new java.util.HashMap<>(state);
            old.remove("step.a");
            old.remove("step.b");
            reloaded.load(old, 3);
            assertArrayEquals(new float[] {0, 3}, reloaded.state().get("step.b"), "no saved counts: the global one");
        }
    }
}
