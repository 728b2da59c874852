package dev.kiln.runtime.train;

import dev.kiln.api.data.Batch;
import dev.kiln.api.data.Dataset;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.objective.BatchSpec;
import dev.kiln.api.objective.Evaluation;
import dev.kiln.api.objective.Objective;

import java.util.List;
import java.util.Map;

/** The trainer's held-out metrics: a fixed set of validation batches through {@link Evaluation}. */
public final class Evaluator {
    private Evaluator() {}

    /** Metrics over at most maxBatches batches (all when maxBatches <= 0); the batch order is fixed by seed. */
    public static Map<String, Double> evaluate(Transformer model, Objective objective, Dataset data, BatchSpec spec,
                                               int maxBatches, long seed) {
        return Evaluation.evaluate(model, objective, objective.batches(data, spec, seed ^ 0x5eedL).first(maxBatches));
    }
}
