package dev.kiln.api.objective;

import dev.kiln.api.autograd.GradMode;
import dev.kiln.api.data.Batch;
import dev.kiln.api.data.Batches;
import dev.kiln.api.nn.Transformer;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Held-out metrics of an objective: a no-grad pass in evaluation mode (no dropout) over batches,
 * each metric averaged with the batch's {@link Objective.Output#weight()}, then
 * {@link Objective#finish}. The model's and head's previous modes are restored.
 */
public final class Evaluation {
    private Evaluation() {}

    public static Map<String, Double> evaluate(Transformer model, Objective objective, List<Batch> batches) {
        return evaluate(model, objective, Batches.of(batches));
    }

    /** Metrics over batches made one at a time (an evaluation set larger than memory). */
    public static Map<String, Double> evaluate(Transformer model, Objective objective, Batches batches) {
        Map<String, Double> sums = new LinkedHashMap<>();
        double weight = 0;
        boolean modelTraining = model.isTraining();
        boolean headTraining = objective.head() != null && objective.head().isTraining();
        model.train(false);
        if (objective.head() != null) objective.head().train(false);
        try (var g = GradMode.noGrad()) {
            for (long i = 0; i < batches.size(); i++) {
                Objective.Output out = objective.compute(model, batches.get(i));
                for (var e : out.metrics().entrySet()) sums.merge(e.getKey(), e.getValue() * out.weight(), Double::sum);
                weight += out.weight();
            }
        } finally {
            model.train(modelTraining);
            if (objective.head() != null) objective.head().train(headTraining);
        }
        Map<String, Double> avg = new LinkedHashMap<>();
        for (var e : sums.entrySet()) avg.put(e.getKey(), weight == 0 ? Double.NaN : e.getValue() / weight);
        return objective.finish(avg);
    }
}
