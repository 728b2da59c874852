package dev.kiln.runtime.train;

import dev.kiln.api.optim.Optimizer;
import dev.kiln.api.tensor.Tensor;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/** Saves and restores training checkpoints (weights + optimizer state + trainer state). */
public interface Checkpointer {
    /** Writes a complete checkpoint atomically; returns its directory. */
    Path save(TrainState state, Map<String, Tensor> parameters, Optimizer optimizer);

    /** Where the checkpoints live (the best-model copy goes beside them). */
    Path directory();

    /** Restores the newest complete checkpoint into the given parameters and optimizer, if there is one. */
    Optional<TrainState> restoreLatest(Map<String, Tensor> parameters, Optimizer optimizer);

    /** Protects the checkpoint of {@code step} as saved while training was sane (never pruned). Default: nothing. */
    default void markGood(long step) {}

    /** The step of the last checkpoint marked good, or -1. */
    default long lastGood() { return -1; }
}
