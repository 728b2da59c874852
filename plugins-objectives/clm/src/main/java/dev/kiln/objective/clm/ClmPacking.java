package dev.kiln.objective.clm;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Where the blocks of a token stream start, and how they group into batches. Pure index math on
 * the host, so it can be tested without a model.
 */
final class ClmPacking {
    private ClmPacking() {}

    /**
     * Block starts for a stream of {@code n} tokens and sequence length {@code t}: block k covers
     * tokens [kT, kT + T] (T + 1 tokens, overlapping the next block by one), so there are
     * ⌊(n − 1) / T⌋ blocks and the last (n − 1) mod T transitions are left out. A stream with
     * 2 ≤ n ≤ T tokens gives one block of length n − 1; fewer than 2 tokens give none.
     *
     * @return {starts (shuffled with {@code seed} when asked), {block length}}
     */
    static int[][] blockStarts(int n, int t, boolean shuffle, long seed) {
        if (n < 2) return new int[][] {new int[0], {t}};
        int count = (n - 1) / t, len = t;
        if (count == 0) {
            count = 1;
            len = n - 1;
        }
        int[] starts = new int[count];
        for (int k = 0; k < count; k++) starts[k] = k * len;
        if (shuffle) {
            Random rng = new Random(seed);
            for (int i = count - 1; i > 0; i--) {
                int j = rng.nextInt(i + 1);
                int tmp = starts[i];
                starts[i] = starts[j];
                starts[j] = tmp;
            }
        }
        return new int[][] {starts, {len}};
    }

    /** Consecutive groups of {@code batchSize} starts; the last group may be smaller unless {@code dropLast} and a full one exists. */
    static List<int[]> batches(int[] starts, int batchSize, boolean dropLast) {
        List<int[]> out = new ArrayList<>();
        for (int i = 0; i < starts.length; i += batchSize) {
            int end = Math.min(starts.length, i + batchSize);
            if (end - i < batchSize && dropLast && !out.isEmpty()) break;
            out.add(Arrays.copyOfRange(starts, i, end));
        }
        return out;
    }
}
