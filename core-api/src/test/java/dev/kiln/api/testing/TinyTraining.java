package dev.kiln.api.testing;

import dev.kiln.api.data.Batch;
import dev.kiln.api.data.Dataset;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.objective.BatchSpec;
import dev.kiln.api.objective.Evaluation;
import dev.kiln.api.objective.Objective;
import dev.kiln.api.optim.AdamW;
import dev.kiln.api.optim.ParamGroup;
import dev.kiln.api.tensor.Tensor;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Minimal training loops for "does it learn" tests of objectives, without the runtime: AdamW over
 * backbone + head, then weighted held-out metrics. Shipped in the test-jar for plugin authors.
 */
public final class TinyTraining {
    private TinyTraining() {}


    /** Backbone and head parameters (a tensor shared by both counted once). */
    public static Map<String, Tensor> parameters(Transformer net, Objective objective) {
        Map<String, Tensor> all = new LinkedHashMap<>(net.namedParameters());
        Set<Tensor> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        seen.addAll(all.values());
        if (objective.head() != null)
            for (var e : objective.head().namedParameters().entrySet())
                if (seen.add(e.getValue())) all.put("heads." + objective.name() + "." + e.getKey(), e.getValue());
        return all;
    }

    /** Trains for {@code steps} steps, re-preparing batches each epoch with a new seed; returns the last loss. */
    public static double train(Transformer net, Objective objective, Dataset data, BatchSpec spec, int steps, double lr, long seed) {
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

    /** Held-out metrics over the batches of {@code data} (the runtime's evaluation: {@link Evaluation}). */
    public static Map<String, Double> evaluate(Transformer net, Objective objective, Dataset data, BatchSpec spec, long seed) {
        return Evaluation.evaluate(net, objective, objective.prepare(data, spec, seed));
    }


    /** A bidirectional pre-norm GPT-shaped backbone (trains faster than post-norm BERT at this size). */
    public static TransformerConfig encoder(int vocab, int d, int layers, int heads, int maxSeq, float dropout) {
        TransformerConfig g = TransformerConfig.gpt2(vocab, d, layers, heads, maxSeq);
        return g.toBuilder().causal(false).dropout(dropout).build();
    }


    public static void train(Transformer model, Objective o, List<Batch> batches, int steps, double lr) {
        Map<String, Tensor> params = parameters(model, o);
        List<ParamGroup> groups = new ArrayList<>();
        params.forEach((k, v) -> groups.add(new ParamGroup(k, v, 1.0, ParamGroup.decays(k, v) ? 0.01 : 0)));
        AdamW opt = new AdamW(groups, 0.9, 0.98, 1e-8);
        model.train(true);
        if (o.head() != null) o.head().train(true);
        for (int s = 0; s < steps; s++) {
            for (Tensor t : params.values()) t.zeroGrad();
            model.setDropoutSeed(s + 1);
            o.compute(model, batches.get(s % batches.size())).loss().backward();
            double warm = Math.min(1.0, (s + 1) / 20.0);
            opt.step(lr * warm);
        }
    }

    /** Held-out metrics over prepared batches ({@link Evaluation}). */
    public static Map<String, Double> evaluate(Transformer model, Objective o, List<Batch> batches) {
        return Evaluation.evaluate(model, o, batches);
    }
}
