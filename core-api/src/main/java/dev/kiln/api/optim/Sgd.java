package dev.kiln.api.optim;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.BinaryOp;
import dev.kiln.api.backend.UnaryOp;
import dev.kiln.api.tensor.Storage;
import dev.kiln.api.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** SGD with optional momentum (PyTorch's form: buf = μ·buf + g; p −= lr·buf) and decoupled weight decay. */
public final class Sgd implements Optimizer {
    private final List<ParamGroup> params;
    private final float momentum;
    private final Storage[] buf;
    private long steps;

    public Sgd(List<ParamGroup> params, double momentum) {
        this.params = List.copyOf(params);
        this.momentum = (float) momentum;
        this.buf = new Storage[params.size()];
        for (int i = 0; i < params.size(); i++) {
            Tensor p = params.get(i).param();
            buf[i] = p.backend().allocate(p.size());
        }
    }

    @Override
    public String name() { return "sgd"; }

    @Override
    public void step(double lr) {
        steps++;
        for (int i = 0; i < params.size(); i++) {
            ParamGroup g = params.get(i);
            Tensor p = g.param();
            if (!p.hasGrad()) continue;
            Backend be = p.backend();
            int n = p.size();
            int[] s = {n};
            Storage grad = p.gradForAccumulation();
            Storage direction = grad;
            if (momentum != 0f) {
                be.unary(UnaryOp.SCALE, buf[i], buf[i], n, momentum);
                be.reduceSumTo(grad, s, buf[i], s, true);
                direction = buf[i];
            }
            descend(be, p.storage(), direction, n, (float) (lr * g.lrScale()), (float) g.weightDecay());
        }
    }

    /** p ← p·(1 − rate·wd) − rate·direction, over n values (shared with {@link Lomo}, so both take identical steps). */
    static void descend(Backend be, Storage p, Storage direction, int n, float rate, float weightDecay) {
        int[] s = {n};
        if (weightDecay != 0) be.unary(UnaryOp.SCALE, p, p, n, 1f - rate * weightDecay);
        Storage stepVec = be.allocate(n);
        be.unary(UnaryOp.SCALE, direction, stepVec, n, -rate);
        Storage updated = be.allocate(n);
        be.binary(BinaryOp.ADD, p, s, stepVec, s, updated, s);
        be.copy(updated, 0, p, 0, n);
    }

    @Override
    public long steps() { return steps; }

    @Override
    public Map<String, float[]> state() {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (int i = 0; i < params.size(); i++)
            out.put("momentum." + params.get(i).name(), params.get(i).param().backend().download(buf[i]));
        return out;
    }

    @Override
    public void load(Map<String, float[]> state, long steps) {
        for (int i = 0; i < params.size(); i++) {
            ParamGroup g = params.get(i);
            float[] a = state.get("momentum." + g.name());
            if (a == null || a.length != g.param().size())
                throw new IllegalArgumentException("optimizer state 'momentum." + g.name() + "' is missing or has the wrong size");
            Backend be = g.param().backend();
            be.copy(be.upload(a), 0, buf[i], 0, a.length);
        }
        this.steps = steps;
    }
}
