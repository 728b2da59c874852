package dev.kiln.api.objective;

/**
 * How big a batch is: sequences per batch and tokens per sequence; {@code groupByLength} asks an
 * objective that pads each batch to its longest row to put examples of similar length together
 * (transformers' {@code TrainingArguments.group_by_length}, see {@link LengthGroupedOrder}). The
 * trainer sets it for training batches only, never for evaluation. Objectives that pack
 * fixed-length windows have nothing to group and ignore it.
 */
public record BatchSpec(int batchSize, int seqLen, boolean groupByLength) {
    public BatchSpec {
        if (batchSize <= 0 || seqLen <= 0) throw new IllegalArgumentException("batch size and sequence length must be positive: " + this);
    }

    /** Batches in dataset (or shuffled) order, not grouped by length. */
    public BatchSpec(int batchSize, int seqLen) {
        this(batchSize, seqLen, false);
    }
}
