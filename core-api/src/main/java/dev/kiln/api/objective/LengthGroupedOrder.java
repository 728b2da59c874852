package dev.kiln.api.objective;

import dev.kiln.api.data.Permutation;

import java.util.Arrays;

/**
 * The order of an epoch with examples of similar length batched together, as transformers'
 * {@code LengthGroupedSampler} ({@code group_by_length}) makes it: a seeded shuffle, cut into
 * mega-batches of {@code min(n / (4B), 50)} (at least 1) batches, each mega-batch sorted by length,
 * longest first, and the longest example of the epoch swapped to the front so a batch that does not
 * fit in memory fails on the first step, not hours in. Batches stay random in what they hold (which
 * mega-batch) but padding to a batch's longest row wastes little.
 */
public final class LengthGroupedOrder {
    private LengthGroupedOrder() {}

    /**
     * @param lengths each example's length (tokens) by dataset index
     * @return the dataset index at each position of the epoch
     */
    public static long[] of(int[] lengths, int batchSize, long seed) {
        int n = lengths.length;
        if (batchSize < 1) throw new IllegalArgumentException("batch_size must be >= 1, got " + batchSize);
        Permutation shuffle = new Permutation(n, seed);
        long[] order = new long[n];
        for (int i = 0; i < n; i++) order[i] = shuffle.apply(i);
        int megabatch = Math.max(1, Math.min(n / (batchSize * 4), 50)) * batchSize;
        int longestAt = -1;
        for (int from = 0; from < n; from += megabatch) {
            int to = Math.min(n, from + megabatch);
            sortLongestFirst(order, from, to, lengths);
            if (longestAt < 0 || lengths[(int) order[from]] > lengths[(int) order[longestAt]]) longestAt = from;
        }
        if (n > 0) {
            long first = order[0];
            order[0] = order[longestAt];
            order[longestAt] = first;
        }
        return order;
    }

    /** Sorts order[from, to) by length, descending; ties keep their shuffled order. */
    private static void sortLongestFirst(long[] order, int from, int to, int[] lengths) {
        long[] keyed = new long[to - from];                       // (−length, position) packed, so a plain sort is stable
        for (int i = from; i < to; i++) keyed[i - from] = ((long) -lengths[(int) order[i]] << 32) | (i - from);
        Arrays.sort(keyed);
        long[] sorted = new long[to - from];
        for (int i = 0; i < keyed.length; i++) sorted[i] = order[from + (int) (keyed[i] & 0xffffffffL)];
        System.arraycopy(sorted, 0, order, from, sorted.length);
    }
}
