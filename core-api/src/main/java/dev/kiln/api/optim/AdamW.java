package dev.kiln.api.optim;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.HeapStorage;
import dev.kiln.api.tensor.Storage;
import dev.kiln.api.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** AdamW with decoupled weight decay and bias correction (Loshchilov &amp; Hutter), via the backend's fused update. */
public final class AdamW implements Optimizer {
    private final List<ParamGroup> params;
    private final float beta1, beta2, eps;
    private final Storage[] m, v;
    private long steps;
    private final ParameterSteps parameterSteps;

    public AdamW(List<ParamGroup> params, double beta1, double beta2, double eps) {
        this.params = List.copyOf(params);
        this.beta1 = (float) beta1;
        this.beta2 = (float) beta2;
        this.eps = (float) eps;
        this.m = new Storage[params.size()];
        this.v = new Storage[params.size()];
        this.parameterSteps = new ParameterSteps(params.size());
        for (int i = 0; i < params.size(); i++) {
            Tensor p = params.get(i).param();
            m[i] = p.backend().allocate(p.size());
            v[i] = p.backend().allocate(p.size());
        }
    }

    @Override
    public String name() { return "adamw"; }

    @Override
    public void step(double lr) {
        steps++;
        for (int i = 0; i < params.size(); i++) {
            ParamGroup g = params.get(i);
            Tensor p = g.param();
            if (!p.hasGrad()) continue;
            Backend be = p.backend();
            be.adamw(p.storage(), p.gradForAccumulation(), m[i], v[i], p.size(), (float) (lr * g.lrScale()),
                    beta1, beta2, eps, (float) g.weightDecay(), parameterSteps.next(i));
        }
    }

    @Override
    public long steps() { return steps; }

    @Override
    public long stateBytes() {
        long n = 0;
        for (ParamGroup g : params) n += g.param().size();
        return 8 * n;
    }

    @Override
    public Map<String, float[]> state() {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (int i = 0; i < params.size(); i++) {
            Backend be = params.get(i).param().backend();
            out.put("m." + params.get(i).name(), HeapStorage.readOnly(be, m[i], m[i].size()));   // no second copy at checkpoint time
            out.put("v." + params.get(i).name(), HeapStorage.readOnly(be, v[i], v[i].size()));
        }
        parameterSteps.save(params, out);
        return out;
    }

    @Override
    public void load(Map<String, float[]> state, long steps) {
        for (int i = 0; i < params.size(); i++) {
            ParamGroup g = params.get(i);
            Backend be = g.param().backend();
            for (String kind : new String[] {"m.", "v."}) {
                float[] a = state.get(kind + g.name());
                if (a == null) throw new IllegalArgumentException("optimizer state has no '" + kind + g.name() + "'");
                if (a.length != g.param().size())
                    throw new IllegalArgumentException("optimizer state '" + kind + g.name() + "' has " + a.length
                            + " values, parameter has " + g.param().size());
                be.copy(be.upload(a), 0, kind.equals("m.") ? m[i] : v[i], 0, a.length);
            }
        }
        this.steps = steps;
        parameterSteps.load(params, state, steps);
    }
}
