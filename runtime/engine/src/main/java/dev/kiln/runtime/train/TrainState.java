package dev.kiln.runtime.train;

/**
 * Where a run is: the next step, and the position in the epoch's batch list. With the seed this is
 * the whole RNG state: batches come from {@code objective.prepare(data, spec, seed + epoch)} and
 * dropout masks from a counter-based stream keyed by (seed, step).
 */
public record TrainState(long step, long epoch, int batchInEpoch, long seed) {
    public static TrainState start(long seed) {
        return new TrainState(0, 0, 0, seed);
    }
}
