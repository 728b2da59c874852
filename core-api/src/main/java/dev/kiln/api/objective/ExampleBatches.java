package dev.kiln.api.objective;

import dev.kiln.api.backend.CounterRng;
import dev.kiln.api.data.Batch;
import dev.kiln.api.data.Batches;
import dev.kiln.api.data.Dataset;
import dev.kiln.api.data.Example;
import dev.kiln.api.data.Permutation;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.LongUnaryOperator;
import java.util.function.ToIntFunction;

/**
 * Lazy batches of examples read by index, for objectives that make a batch from B examples:
 * batch i holds the examples at positions [iB, iB + B) of a seeded {@link Permutation} of the
 * dataset (file order when not shuffling), and gets its own {@link Random} seeded from (seed, i),
 * so masks and corruption differ between batches and epochs yet any batch can be rebuilt alone
 * (exact resume). Nothing is materialized up front.
 */
public final class ExampleBatches {
    private ExampleBatches() {}

    /** Builds one batch from its examples (in batch order), their dataset indices and the batch's random stream. */
    @FunctionalInterface
    public interface Maker {
        Batch make(List<Example> examples, long[] indices, Random rng);
    }

    /**
     * @param dropLast drop a final batch smaller than {@code batchSize} (kept when it is the only one)
     */
    public static Batches of(Dataset data, int batchSize, boolean shuffle, boolean dropLast, long seed, Maker maker) {
        if (batchSize < 1) throw new IllegalArgumentException("batch_size must be >= 1, got " + batchSize);
        Permutation order = shuffle ? new Permutation(data.size(), seed) : null;
        return inOrder(data, batchSize, dropLast, seed, order == null ? p -> p : order::apply, maker);
    }

    /**
     * As {@link #of}, with similar lengths batched together ({@link LengthGroupedOrder}); reads every
     * example's length once, so the dataset must be one that fits in memory.
     *
     * @param length an example's length in tokens (what the batch will be padded by)
     */
    public static Batches lengthGrouped(Dataset data, int batchSize, boolean dropLast, long seed, ToIntFunction<Example> length, Maker maker) {
        if (batchSize < 1) throw new IllegalArgumentException("batch_size must be >= 1, got " + batchSize);
        List<Example> examples = data.examples();
        int[] lengths = new int[Math.toIntExact(data.size())];
        for (int i = 0; i < lengths.length; i++) lengths[i] = length.applyAsInt(examples.get(i));
        long[] order = LengthGroupedOrder.of(lengths, batchSize, seed);
        return inOrder(data, batchSize, dropLast, seed, p -> order[Math.toIntExact(p)], maker);
    }

    /** @param order the dataset index at each position of the epoch */
    private static Batches inOrder(Dataset data, int batchSize, boolean dropLast, long seed, LongUnaryOperator order, Maker maker) {
        long n = data.size();
        List<Example> examples = data.examples();
        return Batches.lazy(count(n, batchSize, dropLast), i -> {
            long from = i * batchSize;
            int b = (int) Math.min(batchSize, n - from);
            long[] idx = new long[b];
            List<Example> rows = new ArrayList<>(b);
            for (int r = 0; r < b; r++) {
                idx[r] = order.applyAsLong(from + r);
                rows.add(examples.get(Math.toIntExact(idx[r])));
            }
            return maker.make(rows, idx, random(seed, i));
        });
    }

    /** Batches in an epoch of {@code n} items: ⌈n / B⌉, or ⌊n / B⌋ (at least 1 when n > 0) with dropLast. */
    public static long count(long n, int batchSize, boolean dropLast) {
        if (n == 0) return 0;
        long full = n / batchSize;
        return dropLast && full > 0 ? full : (n + batchSize - 1) / batchSize;
    }

    /** The random stream of batch {@code index} of the epoch with {@code seed}. */
    public static Random random(long seed, long index) {
        return new Random(CounterRng.mix(seed * 0x9e3779b97f4a7c15L + index));
    }

    /**
     * The random stream of row {@code row} of batch {@code index}: each row drawing from its own stream lets a
     * data-parallel worker make only its rows of a batch and draw what the whole batch would have drawn for them.
     */
    public static Random random(long seed, long index, int row) {
        return new Random(CounterRng.mix(CounterRng.mix(seed * 0x9e3779b97f4a7c15L + index) + row));
    }
}
