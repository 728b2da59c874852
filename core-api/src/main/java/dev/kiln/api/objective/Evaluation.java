package dev.kiln.api.objective;

import dev.kiln.api.autograd.GradMode;
import dev.kiln.api.data.Batch;
import dev.kiln.api.data.Batches;
import dev.kiln.api.nn.Transformer;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
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
        return combine(objective, evaluateParts(model, objective, batches, 0, 1));
    }

    /** One batch's share of an evaluation: its metrics, each times the batch's weight, and the weight. */
    public record Part(long batch, Map<String, Double> weightedMetrics, double weight) {}

    /**
     * The parts of every {@code world}-th batch from batch {@code rank} on (a data-parallel worker's share, as
     * Accelerate shards an evaluation loader); {@link #combine} adds every worker's parts up into {@link #evaluate}'s
     * result.
     */
    public static List<Part> evaluateParts(Transformer model, Objective objective, Batches batches, int rank, int world) {
        if (world < 1 || rank < 0 || rank >= world) throw new IllegalArgumentException("rank " + rank + " of " + world + " workers");
        List<Part> parts = new ArrayList<>();
        boolean modelTraining = model.isTraining();
        boolean headTraining = objective.head() != null && objective.head().isTraining();
        model.train(false);
        if (objective.head() != null) objective.head().train(false);
        try (var g = GradMode.noGrad()) {
            for (long i = rank; i < batches.size(); i += world) {
                Objective.Output out = objective.compute(model, batches.get(i));
                Map<String, Double> weighted = new LinkedHashMap<>();
                for (var e : out.metrics().entrySet()) weighted.put(e.getKey(), e.getValue() * out.weight());
                parts.add(new Part(i, weighted, out.weight()));
            }
        } finally {
            model.train(modelTraining);
            if (objective.head() != null) objective.head().train(headTraining);
        }
        return parts;
    }

    /**
     * Each metric's weighted mean over the parts, added in batch order (the same sums, in the same order, however the
     * batches were shared out), then {@link Objective#finish}.
     */
    public static Map<String, Double> combine(Objective objective, Collection<Part> parts) {
        List<Part> ordered = new ArrayList<>(parts);
        ordered.sort(Comparator.comparingLong(Part::batch));
        Map<String, Double> sums = new LinkedHashMap<>();
        double weight = 0;
        for (Part p : ordered) {
            for (var e : p.weightedMetrics().entrySet()) sums.merge(e.getKey(), e.getValue(), Double::sum);
            weight += p.weight();
        }
        Map<String, Double> avg = new LinkedHashMap<>();
        for (var e : sums.entrySet()) avg.put(e.getKey(), weight == 0 ? Double.NaN : e.getValue() / weight);
        return objective.finish(avg);
    }
}
