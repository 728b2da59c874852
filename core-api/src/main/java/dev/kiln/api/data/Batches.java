package dev.kiln.api.data;

import java.util.ArrayList;
import java.util.List;
import java.util.function.LongFunction;

/**
 * One epoch of batches, made on demand: {@link #get(long)} builds batch i from the data (and the
 * epoch's seed) when the trainer asks for it, so an epoch over a corpus larger than memory costs
 * one batch of memory, and a resumed run starts at any batch without making the ones before it.
 * {@code get} must be deterministic: the same index gives the same batch.
 */
public interface Batches {

    /** Batches in the epoch. */
    long size();

    /** Batch {@code index} of the epoch, 0 ≤ index < size(). */
    Batch get(long index);

    default boolean isEmpty() { return size() == 0; }

    /** Every batch, made now: for small data and tests. */
    default List<Batch> toList() {
        if (size() > Integer.MAX_VALUE - 8) throw new IllegalStateException(size() + " batches do not fit a list; iterate with get(i)");
        List<Batch> out = new ArrayList<>((int) size());
        for (long i = 0; i < size(); i++) out.add(get(i));
        return out;
    }

    /** The first {@code n} batches (all when n ≤ 0 or n ≥ size()). */
    default Batches first(long n) {
        if (n <= 0 || n >= size()) return this;
        Batches all = this;
        return lazy(n, all::get);
    }

    /**
     * Worker {@code rank}'s rows of each batch when {@code world} data-parallel workers share every batch:
     * rows rank, rank + world, … ({@link BatchRows}, PyTorch's {@code DistributedSampler} split). Batches
     * made {@linkplain #byRows row by row} make only those rows; others are made whole and split.
     */
    default Batches shard(int rank, int world) {
        BatchRows.requireWorker(rank, world);
        if (world == 1) return this;
        Batches all = this;
        return lazy(size(), i -> BatchRows.strided(all.get(i), rank, world));
    }

    /** Makes rows rank, rank + world, … of batch {@code index} ((0, 1): the whole batch). */
    @FunctionalInterface
    interface RowMaker {
        Batch make(long index, int rank, int world);
    }

    /**
     * Batches whose rows can be made apart from one another (no state shared between a batch's rows, such
     * as one random stream): a data-parallel worker's {@link #shard} reads and builds only its own rows.
     * {@code make(i, r, n)} must hold the rows of {@code BatchRows.strided(make(i, 0, 1), r, n)}, padded alike; its
     * {@code tokens()} may be the worker's own real tokens, where {@code strided} can only divide the batch's.
     */
    static Batches byRows(long size, RowMaker make) {
        Batches whole = lazy(size, i -> make.make(i, 0, 1));
        return new Batches() {
            @Override
            public long size() { return size; }

            @Override
            public Batch get(long index) { return whole.get(index); }

            @Override
            public Batches shard(int rank, int world) {
                BatchRows.requireWorker(rank, world);
                if (world == 1) return this;
                return lazy(size, i -> {                       // a worker past a short batch's last row: padding, from the whole batch
                    Batch mine = make.make(i, rank, world);
                    return BatchRows.holdsRows(mine) ? mine : BatchRows.strided(make.make(i, 0, 1), rank, world);
                });
            }
        };
    }

    /** Batches made by {@code make} on demand. */
    static Batches lazy(long size, LongFunction<Batch> make) {
        if (size < 0) throw new IllegalArgumentException("batch count must be >= 0, got " + size);
        return new Batches() {
            @Override
            public long size() { return size; }

            @Override
            public Batch get(long index) {
                if (index < 0 || index >= size) throw new IndexOutOfBoundsException("batch " + index + " of " + size);
                return make.apply(index);
            }
        };
    }

    /** Batches already made (small data). */
    static Batches of(List<Batch> batches) {
        List<Batch> copy = List.copyOf(batches);
        return lazy(copy.size(), i -> copy.get((int) i));
    }
}
