package dev.kiln.api.optim;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.UnaryOp;
import dev.kiln.api.tensor.Storage;
import dev.kiln.api.tensor.Tensor;

import java.util.List;
import java.util.Map;

/**
 * LOMO (Lv et al. 2023, "Full Parameter Fine-tuning for Large Language Models with Limited
 * Resources"): plain SGD fused into backward. Each parameter's post-accumulate-grad hook applies
 * p ← p·(1 − lr·wd) − lr·g the moment its gradient is complete and drops the gradient, so at most
 * the gradients of the op being differentiated exist at once and none outlives the pass. No state.
 * Clipping by the global norm needs that norm before the first update, so, as in LOMO, a first pass
 * ({@link #beginNormPass}) only sums the gradients' squares, and the update pass
 * ({@link #beginStep(double, double)}) scales each gradient by the clipping factor first. Outside an
 * armed step, gradients accumulate as usual and {@link #step} applies them as SGD.
 */
public final class Lomo implements UpdatesInBackward {
    private enum Pass { OFF, NORM, UPDATE }
    private final List<ParamGroup> params;
    private Pass pass = Pass.OFF;
    private double lr, sumOfSquares;
    private float gradScale = 1f;
    private long steps;

    public Lomo(List<ParamGroup> params) {
        this.params = List.copyOf(params);
        for (ParamGroup g : this.params) g.param().onGradientReady(p -> { if (pass != Pass.OFF) apply(g); });
    }

    @Override
    public String name() { return "lomo"; }

    @Override
    public void beginStep(double learningRate, double scale) {
        this.lr = learningRate;
        this.gradScale = (float) scale;
        this.sumOfSquares = 0;
        this.pass = Pass.UPDATE;
    }

    @Override
    public void beginNormPass() {
        this.sumOfSquares = 0;
        this.pass = Pass.NORM;
    }

    @Override
    public double gradNorm() { return Math.sqrt(sumOfSquares); }

    /** One parameter's complete gradient: counted in the norm, then (update pass) scaled and applied as SGD; then dropped. */
    private void apply(ParamGroup g) {
        Tensor p = g.param();
        Backend be = p.backend();
        Storage grad = p.gradForAccumulation();
        sumOfSquares += be.sumOfSquares(grad, p.size());
        if (pass == Pass.UPDATE) {
            if (gradScale != 1f) be.unary(UnaryOp.SCALE, grad, grad, p.size(), gradScale);
            Sgd.descend(be, p.storage(), grad, p.size(), (float) (lr * g.lrScale()), (float) g.weightDecay());
        }
        p.zeroGrad();
    }

    /** Closes the step; gradients left over (an unarmed step, or one no hook saw) are applied here. */
    @Override
    public void step(double learningRate) {
        if (pass != Pass.UPDATE) beginStep(learningRate, 1);
        for (ParamGroup g : params) if (g.param().hasGrad()) apply(g);
        pass = Pass.OFF;
        steps++;
    }

    @Override
    public long steps() { return steps; }

    @Override
    public long stateBytes() { return 0; }

    @Override
    public Map<String, float[]> state() { return Map.of(); }

    @Override
    public void load(Map<String, float[]> state, long steps) { this.steps = steps; }
}
