package dev.kiln.runtime.train;

import dev.kiln.api.autograd.GradMode;
import dev.kiln.api.data.Batch;
import dev.kiln.api.data.Dataset;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.objective.BatchSpec;
import dev.kiln.api.objective.Objective;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Held-out metrics: a no-grad, eval-mode pass over a split, averaged by each batch's weight. */
public final class Evaluator {
    private Evaluator() {}

    /** Metrics over at most maxBatches batches (all when maxBatches <= 0); the batch order is fixed by seed. */
    public static Map<String, Double> evaluate(Transformer model, Objective objective, Dataset data, BatchSpec spec,
                                               int maxBatches, long seed) {
        List<Batch> batches = objective.prepare(data, spec, seed ^ 0x5eedL);
        int n = maxBatches <= 0 ? batches.size() : Math.min(maxBatches, batches.size());
        Map<String, Double> sums = new LinkedHashMap<>();
        double weight = 0;
        boolean wasTraining = model.isTraining();
        model.train(false);
        if (objective.head() != null) objective.head().train(false);
        try (var g = GradMode.noGrad()) {
            for (int i = 0; i < n; i++) {
                Objective.Output out = objective.compute(model, batches.get(i));
                for (var e : out.metrics().entrySet()) sums.merge(e.getKey(), e.getValue() * out.weight(), Double::sum);
                weight += out.weight();
            }
        } finally {
            model.train(wasTraining);
            if (objective.head() != null) objective.head().train(wasTraining);
        }
        Map<String, Double> avg = new LinkedHashMap<>();
        for (var e : sums.entrySet()) avg.put(e.getKey(), weight == 0 ? Double.NaN : e.getValue() / weight);
        return objective.finish(avg);
    }
}
