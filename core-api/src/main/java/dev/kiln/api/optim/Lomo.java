package dev.kiln.api.optim;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.tensor.Tensor;

import java.util.List;
import java.util.Map;

/**
 * LOMO (Lv et al. 2023, "Full Parameter Fine-tuning for Large Language Models with Limited
 * Resources"): plain SGD fused into backward. Each parameter's post-accumulate-grad hook applies
 * p ← p·(1 − lr·wd) − lr·g the moment its gradient is complete and drops the gradient, so at most
 * the gradients of the op being differentiated exist at once and none outlives the pass. No state.
 * Gradient clipping would need the global norm before the first update (LOMO runs a second backward
 * pass for it); this implementation does not clip, and the trainer refuses grad_clip with lomo.
 * Outside an armed step (no {@link #beginStep}), gradients accumulate as usual and {@link #step}
 * applies them as SGD.
 */
public final class Lomo implements UpdatesInBackward {
    private final List<ParamGroup> params;
    private boolean armed;
    private double lr, sumOfSquares;
    private long steps;

    public Lomo(List<ParamGroup> params) {
        this.params = List.copyOf(params);
        for (ParamGroup g : this.params) g.param().onGradientReady(p -> { if (armed) apply(g); });
    }

    @Override
    public String name() { return "lomo"; }

    @Override
    public void beginStep(double learningRate) {
        this.lr = learningRate;
        this.sumOfSquares = 0;
        this.armed = true;
    }

    @Override
    public double gradNorm() { return Math.sqrt(sumOfSquares); }

    /** The SGD update of one parameter from its complete gradient, which is then dropped. */
    private void apply(ParamGroup g) {
        Tensor p = g.param();
        Backend be = p.backend();
        sumOfSquares += be.sumOfSquares(p.gradForAccumulation(), p.size());
        Sgd.descend(be, p.storage(), p.gradForAccumulation(), p.size(), (float) (lr * g.lrScale()), (float) g.weightDecay());
        p.zeroGrad();
    }

    /** Closes the step; gradients left over (an unarmed step, or one no hook saw) are applied here. */
    @Override
    public void step(double learningRate) {
        if (!armed) beginStep(learningRate);
        for (ParamGroup g : params) if (g.param().hasGrad()) apply(g);
        armed = false;
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
