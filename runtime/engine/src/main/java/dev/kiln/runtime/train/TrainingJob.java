package dev.kiln.runtime.train;

import dev.kiln.api.data.Dataset;
import dev.kiln.api.finetune.FineTuner;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.objective.Objective;
import dev.kiln.api.optim.Optimizer;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.runtime.metrics.MetricsLog;
import dev.kiln.runtime.metrics.TrainingMetrics;

import java.util.Map;

/**
 * Everything one training run needs. {@code parameters} are all tensors that are checkpointed
 * (backbone and heads by full name); the optimizer updates the trainable ones. Nullable:
 * fineTuner, validation, checkpointer, metrics, log.
 */
public record TrainingJob(Transformer model, Objective objective, FineTuner fineTuner, Map<String, Tensor> parameters,
                          Optimizer optimizer, Dataset train, Dataset validation, TrainSettings settings,
                          Checkpointer checkpointer, TrainingMetrics metrics, MetricsLog log, TrainingListener listener) {
    public TrainingJob {
        if (listener == null) listener = TrainingListener.NONE;
    }
}
