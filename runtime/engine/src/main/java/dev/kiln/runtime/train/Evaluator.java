package dev.kiln.runtime.train;

import dev.kiln.api.data.Batches;
import dev.kiln.api.data.Dataset;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.objective.BatchSpec;
import dev.kiln.api.objective.Evaluation;
import dev.kiln.api.objective.Objective;
import dev.kiln.runtime.parallel.SharedMemoryCollective;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The trainer's held-out metrics: a fixed set of validation batches through {@link Evaluation}. */
public final class Evaluator {
    private Evaluator() {}

    /** Metrics over at most maxBatches batches (all when maxBatches <= 0); the batch order is fixed by seed. */
    public static Map<String, Double> evaluate(Transformer model, Objective objective, Dataset data, BatchSpec spec,
                                               int maxBatches, long seed) {
        return evaluate(model, objective, data, spec, maxBatches, seed, null);
    }

    /**
     * The same metrics, the batches shared out over {@code replicas} that hold the same weights (null: none, this model
     * evaluates them all): each evaluates every R-th batch, and every replica adds all the parts up in batch order, so
     * each gets the bits one model would. Every replica must call it.
     */
    public static Map<String, Double> evaluate(Transformer model, Objective objective, Dataset data, BatchSpec spec,
                                               int maxBatches, long seed, SharedMemoryCollective replicas) {
        Batches batches = objective.batches(data, spec, seed ^ 0x5eedL).first(maxBatches);
        if (replicas == null) return Evaluation.evaluate(model, objective, batches);
        List<Evaluation.Part> mine = Evaluation.evaluateParts(model, objective, batches, replicas.rank(), replicas.world());
        List<Evaluation.Part> all = new ArrayList<>();
        for (Object parts : replicas.allGather(mine)) {
            @SuppressWarnings("unchecked") List<Evaluation.Part> p = (List<Evaluation.Part>) parts;
            all.addAll(p);
        }
        return Evaluation.combine(objective, all);
    }
}
