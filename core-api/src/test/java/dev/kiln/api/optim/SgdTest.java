package dev.kiln.api.optim;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.kiln.api.optim.OptimTestSupport.setGrad;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** SGD: plain, with momentum (buf = μ·buf + g; p −= lr·buf) and with decoupled weight decay. */
class SgdTest {
    private final Backend be = new NaiveBackend();

    @Test
    void plainStep() {
        Tensor p = Tensor.of(be, new float[] {1f, -2f}, 2).requiresGrad(true);
        Sgd opt = new Sgd(List.of(new ParamGroup("p", p, 1, 0)), 0);
        setGrad(p, 0.5f, -1f);
        opt.step(0.1);
        assertArrayEquals(new float[] {0.95f, -1.9f}, p.toArray(), 1e-6f);
    }

    @Test
    void momentumAndWeightDecayMatchTheHandComputation() {
        double mu = 0.9, lr = 0.05, lrScale = 2, wd = 0.01;
        float[][] grads = {{1f, -1f, 0.5f}, {0.5f, 0.5f, 0f}, {-2f, 0f, 1f}};
        Tensor p = Tensor.of(be, new float[] {1f, 2f, -3f}, 3).requiresGrad(true);
        Sgd opt = new Sgd(List.of(new ParamGroup("p", p, lrScale, wd)), mu);
        double[] ref = {1, 2, -3}, buf = new double[3];
        for (int step = 0; step < grads.length; step++) {
            setGrad(p, grads[step]);
            opt.step(lr);
            double rate = lr * lrScale;
            for (int i = 0; i < 3; i++) {
                ref[i] *= 1 - rate * wd;
                buf[i] = mu * buf[i] + grads[step][i];
                ref[i] -= rate * buf[i];
            }
            float[] got = p.toArray();
            for (int i = 0; i < 3; i++) assertEquals(ref[i], got[i], 1e-6, "step " + (step + 1) + " element " + i);
        }
        assertEquals(3, opt.steps());
        assertArrayEquals(new float[] {(float) buf[0], (float) buf[1], (float) buf[2]}, opt.state().get("momentum.p"), 1e-6f);
    }
}
