package dev.kiln.api.objective;

/** How big a batch is: sequences per batch and tokens per sequence. */
public record BatchSpec(int batchSize, int seqLen) {
    public BatchSpec {
        if (batchSize <= 0 || seqLen <= 0) throw new IllegalArgumentException("batch size and sequence length must be positive: " + this);
    }
}
