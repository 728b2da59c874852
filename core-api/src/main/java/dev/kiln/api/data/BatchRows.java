package dev.kiln.api.data;

import dev.kiln.api.tensor.IntTensor;

import java.util.Arrays;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * A data-parallel worker's rows of a batch, as PyTorch's {@code DistributedSampler} assigns them: worker r
 * of N takes rows r, r + N, r + 2N, … (the global batch is the rows plain training would use at that step,
 * so the workers' shards together are exactly that batch). Every input of the batch must have the rows as
 * its first dimension; one that does not is refused by name rather than split wrongly.
 */
public final class BatchRows {
    private BatchRows() {}

    /** Worker {@code rank}'s rows of a whole batch (the batch itself when {@code world} is 1). */
    public static Batch strided(Batch global, int rank, int world) {
        if (world == 1) return global;
        int rows = rowsOf(global);
        int own = count(rows, rank, world);
        Batch shard = new Batch();
        for (Map.Entry<String, IntTensor> e : global.intInputs().entrySet()) {
            IntTensor t = e.getValue();
            int[] shape = check(e.getKey(), t.shape().dims(), rows);
            shard.put(e.getKey(), new IntTensor(strided(t.data(), t.size(), int[]::new, rows, rank, world), shape(shape, own)));
        }
        for (Map.Entry<String, Batch.FloatData> e : global.floatInputs().entrySet()) {
            Batch.FloatData f = e.getValue();
            int[] shape = check(e.getKey(), f.shape(), rows);
            shard.put(e.getKey(), strided(f.data(), f.data().length, float[]::new, rows, rank, world), shape(shape, own));
        }
        for (Map.Entry<String, Batch> e : global.parts().entrySet()) shard.putPart(e.getKey(), strided(e.getValue(), rank, world));
        return shard.tokens(global.tokens() / world);
    }

    /**
     * Rows a worker holds of a batch of {@code rows}: rows / world, when the split is even (it must be, so
     * that every worker's gradient counts alike and all of them step together).
     */
    public static int count(int rows, int rank, int world) {
        requireWorker(rank, world);
        if (rows % world != 0)
            throw new IllegalArgumentException("a global batch of " + rows + " rows cannot be split evenly over " + world
                    + " workers: train.batch_size must be a multiple of the worker count");
        return rows / world;
    }

    /** Refuses a rank that names no worker of {@code world}. */
    public static void requireWorker(int rank, int world) {
        if (world < 1 || rank < 0 || rank >= world) throw new IllegalArgumentException("worker " + rank + " of " + world + " does not exist");
    }

    /** Rows of a batch: the first dimension its inputs share. */
    static int rowsOf(Batch b) {
        for (IntTensor t : b.intInputs().values()) return t.dim(0);
        for (Batch.FloatData f : b.floatInputs().values()) return f.shape()[0];
        for (Batch p : b.parts().values()) return rowsOf(p);
        throw new IllegalArgumentException("an empty batch has no rows to split across workers");
    }

    private static int[] check(String key, int[] shape, int rows) {
        if (shape.length == 0 || shape[0] != rows)
            throw new IllegalArgumentException("batch input '" + key + "' has shape " + Arrays.toString(shape)
                    + ": data-parallel training splits batches by their first dimension (" + rows + " rows)");
        return shape;
    }

    private static int[] shape(int[] shape, int rows) {
        int[] s = shape.clone();
        s[0] = rows;
        return s;
    }

    /** Rows rank, rank + world, … of a row-major primitive array of length n (int[] or float[]). */
    private static <A> A strided(A data, int n, IntFunction<A> alloc, int rows, int rank, int world) {
        int width = n / rows;
        A out = alloc.apply(n / world);
        for (int r = rank, o = 0; r < rows; r += world, o += width) System.arraycopy(data, r * width, out, o, width);
        return out;
    }
}
