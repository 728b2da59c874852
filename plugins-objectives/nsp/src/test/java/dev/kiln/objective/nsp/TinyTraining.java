package dev.kiln.objective.nsp;

import dev.kiln.api.autograd.GradMode;
import dev.kiln.api.data.Batch;
import dev.kiln.api.data.Dataset;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.objective.BatchSpec;
import dev.kiln.api.objective.Objective;
import dev.kiln.api.optim.AdamW;
import dev.kiln.api.optim.ParamGroup;
import dev.kiln.api.tensor.Tensor;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.Collections;

/** A minimal training loop for "does it learn" tests: AdamW, linear warmup (10%) then linear decay to 10%, no clipping. */
final class TinyTraining {
    private TinyTraining() {}

    /** Backbone and head parameters (a tensor shared by both counted once). */
    static Map<String, Tensor> parameters(Transformer net, Objective objective) {
        Map<String, Tensor> all = new LinkedHashMap<>(net.namedParameters());
        Set<Tensor> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        seen.addAll(all.values());
        if (objective.head() != null)
            for (var e : objective.head().namedParameters().entrySet())
                if (seen.add(e.getValue())) all.put("heads." + objective.name() + "." + e.getKey(), e.getValue());
        return all;
    }

    /** Trains for {@code steps} steps, re-preparing batches each epoch with a new seed; returns the last loss. */
    static double train(Transformer net, Objective objective, Dataset data, BatchSpec spec, int steps, double lr, long seed) {
        Map<String, Tensor> params = parameters(net, objective);
        List<ParamGroup> groups = new ArrayList<>();
        for (var e : params.entrySet()) groups.add(new ParamGroup(e.getKey(), e.getValue(), 1.0, 0.0));
        AdamW opt = new AdamW(groups, 0.9, 0.98, 1e-8);
        int step = 0, warmup = Math.max(1, steps / 10);
        double last = Double.NaN;
        for (long epoch = 0; step < steps; epoch++) {
            for (Batch b : objective.prepare(data, spec, seed + epoch)) {
                if (step >= steps) break;
                net.setDropoutSeed(seed * 7919 + step);
                Objective.Output out = objective.compute(net, b);
                out.loss().backward();
                double decay = 1.0 - 0.9 * Math.max(0, step - warmup) / Math.max(1.0, steps - warmup);
                opt.step(lr * Math.min(1.0, (step + 1.0) / warmup) * decay);
                for (Tensor p : params.values()) p.zeroGrad();
                last = out.metrics().get("loss");
                step++;
            }
        }
        return last;
    }

    /** Metrics averaged over the batches of {@code data}, weighted like the trainer's evaluator, in eval mode without a tape. */
    static Map<String, Double> evaluate(Transformer net, Objective objective, Dataset data, BatchSpec spec, long seed) {
        net.train(false);
        if (objective.head() != null) objective.head().train(false);
        Map<String, Double> sum = new LinkedHashMap<>();
        double weight = 0;
        try (var g = GradMode.noGrad()) {
            for (Batch b : objective.prepare(data, spec, seed)) {
                Objective.Output out = objective.compute(net, b);
                for (var e : out.metrics().entrySet()) sum.merge(e.getKey(), e.getValue() * out.weight(), Double::sum);
                weight += out.weight();
            }
        } finally {
            net.train(true);
            if (objective.head() != null) objective.head().train(true);
        }
        Map<String, Double> avg = new LinkedHashMap<>();
        for (var e : sum.entrySet()) avg.put(e.getKey(), e.getValue() / weight);
        return objective.finish(avg);
    }
}
