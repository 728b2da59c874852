package dev.kiln.runtime.pipeline;

import dev.kiln.api.data.Dataset;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.objective.BatchSpec;
import dev.kiln.api.objective.Objective;
import dev.kiln.runtime.train.Evaluator;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Catastrophic forgetting, measured: a pretraining objective's held-out metrics on the model
 * before fine-tuning touches it and after the fine-tuned model is exported. Config
 * {@code finetune.forgetting}: {@code objective} (a name or map, its head loaded from the
 * checkpoint), {@code data} (held-out text of the pretraining distribution; {@code format},
 * {@code rename} as in the data section), {@code batches} (default 20), {@code batch_size} and
 * {@code seq_len} (default: the train section's).
 */
final class Forgetting {
    private final Objective objective;
    private final Dataset data;
    private final BatchSpec spec;
    private final int batches;
    private final long seed;
    private Map<String, Double> before;

    Forgetting(Objective objective, Dataset data, BatchSpec spec, int batches, long seed) {
        this.objective = objective;
        this.data = data;
        this.spec = spec;
        this.batches = batches;
        this.seed = seed;
    }

    Objective objective() { return objective; }

    void measureBefore(Transformer model) { before = measure(model); }

    Map<String, Double> measure(Transformer model) {
        return Evaluator.evaluate(model, objective, data, spec, batches, seed);
    }

    /** The report: metrics before, after, and after − before for each. */
    Map<String, Object> report(Transformer model) {
        Map<String, Double> after = measure(model);
        Map<String, Double> delta = new LinkedHashMap<>();
        for (var e : after.entrySet()) if (before.containsKey(e.getKey())) delta.put(e.getKey(), e.getValue() - before.get(e.getKey()));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("objective", objective.name());
        out.put("data", data.name());
        out.put("before", before);
        out.put("after", after);
        out.put("change", delta);
        return out;
    }
}
