package dev.kiln.runtime.train;

/**
 * Where a run is: the next step, and the position in the epoch's batch list. With the seed this is
 * the whole RNG state: batches come from {@code objective.batches(data, spec, seed + epoch)}, made
 * on demand, so resuming at (epoch, batchInEpoch) sees exactly the batches an uninterrupted run would, and
 * dropout masks from a counter-based stream keyed by (seed, step).
 */
public record TrainState(long step, long epoch, long batchInEpoch, long seed) {
    public static TrainState start(long seed) {
        return new TrainState(0, 0, 0, seed);
    }
}
