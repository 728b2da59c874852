package dev.kiln.objective.clm;

/**
 * How a token stream is cut into blocks. Pure index math on the host, so it can be tested without
 * a model.
 *
 * <p>For a stream of {@code n} tokens and sequence length {@code t}, block k covers tokens
 * [kT, kT + T] (T + 1 tokens, overlapping the next block by one), so there are ⌊(n − 1) / T⌋
 * blocks and the last (n − 1) mod T transitions are left out. A stream with 2 ≤ n ≤ T tokens gives
 * one block of length n − 1; fewer than 2 tokens give none.
 *
 * @param blocks   how many blocks
 * @param length   tokens a block predicts (T, or n − 1 for a short stream); it reads length + 1
 */
record ClmPacking(long blocks, int length) {

    static ClmPacking of(long n, int t) {
        if (n < 2) return new ClmPacking(0, t);
        long count = (n - 1) / t;
        return count == 0 ? new ClmPacking(1, (int) (n - 1)) : new ClmPacking(count, t);
    }

    /** First stream token of block k. */
    long start(long block) { return block * length; }
}
