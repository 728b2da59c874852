package dev.kiln.api.data;

import dev.kiln.api.tensor.IntTensor;

import java.util.Arrays;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * A data-parallel worker's rows of a batch, as PyTorch's {@code DistributedSampler} assigns them: worker r
 * of N takes examples r, r + N, r + 2N, … (the global batch is the rows plain training would use at that step,
 * so the workers' shares together are exactly that batch). An example is a row, or with {@link Batch#blocks}
 * k its row in each of the k blocks. Every input of the batch has the rows (or one row per example) as its
 * first dimension, or is the batch's as a whole ({@link Batch#putWhole}); one that is neither is refused by
 * name rather than split wrongly. When the examples do not divide evenly (an epoch's last batch) some workers
 * hold one more than others, which the trainer's weights account for; a worker left without any holds a
 * {@linkplain Batch#padding padding} repeat of another's.
 */
public final class BatchRows {
    private BatchRows() {}

    /** Worker {@code rank}'s share of a whole batch (the batch itself when {@code world} is 1). */
    public static Batch strided(Batch global, int rank, int world) {
        requireWorker(rank, world);
        if (world == 1) return global;
        if (global.intInputs().isEmpty() && global.floatInputs().isEmpty() && !global.parts().isEmpty()) {
            Batch shard = new Batch();                   // a composite batch: each part split as it is, their tokens summed
            long tokens = 0;
            for (Map.Entry<String, Batch> e : global.parts().entrySet()) {
                Batch part = strided(e.getValue(), rank, world);
                shard.putPart(e.getKey(), part);
                tokens += part.tokens();
            }
            return shard.tokens(tokens);
        }
        int k = global.blocks(), examples = examplesOf(global);
        int own = count(examples, rank, world);
        boolean padding = own == 0;
        int[] mine = new int[Math.max(own, 1)];
        for (int i = 0; i < own; i++) mine[i] = rank + i * world;
        if (padding) mine[0] = rank % examples;
        Batch shard = new Batch().blocks(k);
        for (Map.Entry<String, IntTensor> e : global.intInputs().entrySet()) {
            IntTensor t = e.getValue();
            if (global.wholeInputs().contains(e.getKey())) {
                shard.putWhole(e.getKey(), t);
                continue;
            }
            int[] shape = t.shape().dims();
            int blocks = blocksOf(e.getKey(), shape, examples, k);
            shard.put(e.getKey(), new IntTensor(pick(t.data(), t.size(), int[]::new, examples, blocks, mine), shape(shape, blocks * mine.length)));
        }
        for (Map.Entry<String, Batch.FloatData> e : global.floatInputs().entrySet()) {
            Batch.FloatData f = e.getValue();
            int blocks = blocksOf(e.getKey(), f.shape(), examples, k);
            shard.put(e.getKey(), pick(f.data(), f.data().length, float[]::new, examples, blocks, mine), shape(f.shape(), blocks * mine.length));
        }
        for (Map.Entry<String, Batch> e : global.parts().entrySet()) shard.putPart(e.getKey(), strided(e.getValue(), rank, world));
        return shard.padding(padding).tokens(padding ? 0 : global.tokens() * own / examples);
    }

    /**
     * Examples a worker holds of a batch of {@code examples}: rows rank, rank + world, … of them, so
     * ⌈examples / world⌉ for the first ones and one fewer for the rest when the split is uneven (0 for a
     * worker past the last example, whose share is padding).
     */
    public static int count(int examples, int rank, int world) {
        requireWorker(rank, world);
        return examples / world + (rank < examples % world ? 1 : 0);
    }

    /** Refuses a rank that names no worker of {@code world}. */
    public static void requireWorker(int rank, int world) {
        if (world < 1 || rank < 0 || rank >= world) throw new IllegalArgumentException("worker " + rank + " of " + world + " does not exist");
    }

    /** Examples of a batch: its inputs' longest first dimension over its blocks. */
    static int examplesOf(Batch b) {
        int rows = -1;
        for (Map.Entry<String, IntTensor> e : b.intInputs().entrySet())
            if (!b.wholeInputs().contains(e.getKey())) rows = Math.max(rows, first(e.getKey(), e.getValue().shape().dims()));
        for (Map.Entry<String, Batch.FloatData> e : b.floatInputs().entrySet()) rows = Math.max(rows, first(e.getKey(), e.getValue().shape()));
        if (rows < 0) throw new IllegalArgumentException("an empty batch has no rows to split across workers");
        if (rows % b.blocks() != 0)
            throw new IllegalArgumentException("a batch of " + rows + " rows in " + b.blocks() + " blocks: the blocks must be of one size");
        if (rows == 0) throw new IllegalArgumentException("a batch of 0 rows has nothing to split across workers");
        return rows / b.blocks();
    }

    /** Whether a batch (a worker's share made row by row) holds any row. */
    static boolean holdsRows(Batch b) {
        for (IntTensor t : b.intInputs().values()) if (t.shape().dims().length > 0 && t.dim(0) > 0) return true;
        for (Batch.FloatData f : b.floatInputs().values()) if (f.shape().length > 0 && f.shape()[0] > 0) return true;
        for (Batch p : b.parts().values()) if (holdsRows(p)) return true;
        return false;
    }

    private static int first(String key, int[] shape) {
        if (shape.length == 0)
            throw new IllegalArgumentException("batch input '" + key + "' is a scalar: data-parallel training splits batches by their first dimension");
        return shape[0];
    }

    /** How many of the k blocks an input's rows hold: k (every block's rows) or 1 (one row per example). */
    private static int blocksOf(String key, int[] shape, int examples, int k) {
        int rows = first(key, shape);
        if (rows == examples * k) return k;
        if (rows == examples) return 1;
        throw new IllegalArgumentException("batch input '" + key + "' has shape " + Arrays.toString(shape)
                + ": data-parallel training splits batches by their first dimension (" + examples * k + " rows"
                + (k > 1 ? " in " + k + " blocks, or " + examples + ", one per example" : "") + ")");
    }

    private static int[] shape(int[] shape, int rows) {
        int[] s = shape.clone();
        s[0] = rows;
        return s;
    }

    /** The rows of examples {@code mine} in each of {@code blocks} blocks of {@code examples} rows, of a row-major array of length n. */
    private static <A> A pick(A data, int n, IntFunction<A> alloc, int examples, int blocks, int[] mine) {
        int width = n / (examples * blocks);
        A out = alloc.apply(width * blocks * mine.length);
        int o = 0;
        for (int b = 0; b < blocks; b++)
            for (int g : mine) {
                System.arraycopy(data, (b * examples + g) * width, out, o, width);
                o += width;
            }
        return out;
    }
}
