package dev.kiln.runtime.parallel;

import dev.kiln.api.optim.Optimizer;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.runtime.train.Checkpointer;
import dev.kiln.runtime.train.TrainState;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * Checkpoints of a data-parallel run: every worker holds the same weights and optimizer state, so rank 0
 * alone writes (atomically, to a directory every worker sees) and every worker restores the newest one
 * when the run starts again, as Spark does after a task of the barrier stage fails.
 */
public final class RankCheckpointer implements Checkpointer {
    private final Checkpointer store;
    private final int rank;

    public RankCheckpointer(Checkpointer store, int rank) {
        this.store = store;
        this.rank = rank;
    }

    @Override
    public Path save(TrainState state, Map<String, Tensor> parameters, Optimizer optimizer) {
        return rank == 0 ? store.save(state, parameters, optimizer) : store.directory();
    }

    @Override
    public Path directory() { return store.directory(); }

    @Override
    public Optional<TrainState> restoreLatest(Map<String, Tensor> parameters, Optimizer optimizer) {
        return store.restoreLatest(parameters, optimizer);
    }

    @Override
    public void markGood(long step) {
        if (rank == 0) store.markGood(step);
    }

    @Override
    public long lastGood() { return store.lastGood(); }
}
