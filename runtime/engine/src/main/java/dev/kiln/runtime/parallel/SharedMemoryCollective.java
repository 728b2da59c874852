package dev.kiln.runtime.parallel;

import dev.kiln.api.backend.HeapStorage;
import dev.kiln.api.tensor.Tensor;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.ToIntFunction;

/**
 * Workers that are threads of one JVM ({@link Replicas}), summing in shared memory. Every worker passes its arrays;
 * worker r adds up the r-th slice of each array over all workers, in rank order (so every worker gets the same
 * bits), and writes the sum into every worker's array, or into one worker's ({@link ShardedOptimizer}'s owner of a
 * gradient). Two barriers a call, no copies, no communication thread: each replica's gradients stay in its own core's
 * cache until the sum reads them once. {@link #barrier} and {@link #allGather} serve the workers' other meetings.
 *
 * <p>A worker that fails calls {@link #fail}, and one that ends calls {@link #leave}: a worker waiting for them in a
 * sum then throws instead of waiting forever.
 */
public final class SharedMemoryCollective implements Collective {
    /** How long a waiting worker spins before it yields, and before it parks between looks (ns). */
    private static final long SPIN_NANOS = 200_000, YIELD_NANOS = 2_000_000, PARK_NANOS = 50_000;

    private final Group group;
    private final int rank;

    private SharedMemoryCollective(Group group, int rank) {
        this.group = group;
        this.rank = rank;
    }

    /** One collective per worker, ranks 0 to world - 1, joined to each other. */
    public static List<SharedMemoryCollective> group(int world) {
        if (world < 1) throw new IllegalArgumentException("a group needs at least 1 worker, got " + world);
        Group g = new Group(world);
        List<SharedMemoryCollective> out = new ArrayList<>();
        for (int r = 0; r < world; r++) out.add(new SharedMemoryCollective(g, r));
        return Collections.unmodifiableList(out);
    }

    /** The state the workers of one group share. */
    private static final class Group {
        final int world;
        final float[][][] posted;   // [rank][array]: each worker's arrays of the current call
        final Object[] gathered;    // [rank]: each worker's object of the current allGather
        final AtomicInteger arrived = new AtomicInteger();
        volatile int generation;
        volatile String gone;       // why a worker will not come to the next barrier; null while all take part
        volatile Throwable cause;

        Group(int world) {
            this.world = world;
            this.posted = new float[world][][];
            this.gathered = new Object[world];
        }

        /** Waits until every worker has arrived (a sense-reversing barrier: the last one to arrive opens it). */
        void await() {
            int g = generation;
            if (arrived.incrementAndGet() == world) {
                arrived.set(0);
                generation = g + 1;
                return;
            }
            long start = System.nanoTime();
            while (generation == g) {
                if (gone != null) {
                    if (generation != g) return;   // opened just before the other one left
                    throw new WorkerGone(gone, cause);
                }
                long waited = System.nanoTime() - start;
                if (waited < SPIN_NANOS) Thread.onSpinWait();
                else if (waited < YIELD_NANOS) Thread.yield();
                else LockSupport.parkNanos(PARK_NANOS);
            }
        }
    }

    /** Thrown in a worker whose sum cannot complete because another worker failed or ended. */
    public static final class WorkerGone extends IllegalStateException {
        WorkerGone(String message, Throwable cause) { super(message, cause); }
    }

    @Override public int rank() { return rank; }

    @Override public int world() { return group.world; }

    @Override
    public void allReduceSum(float[] data) { allReduceSum(new float[][] {data}); }

    /**
     * In place: every element of every array becomes its sum over all workers. Every worker passes the same number of
     * arrays with the same lengths, in the same order.
     */
    public void allReduceSum(float[]... arrays) { reduce(arrays, null); }

    /**
     * Sums the arrays over the workers; array a's sum is written into worker {@code owners[a]}'s array alone, or into
     * every worker's where {@code owners} is null or {@code owners[a]} is negative. The others' arrays keep their own
     * values (a reduce-scatter, as ZeRO sums each gradient only where its optimizer shard lives).
     */
    private void reduce(float[][] arrays, int[] owners) {
        int world = group.world;
        if (world == 1) return;
        group.posted[rank] = arrays;
        group.await();
        float[][][] all = group.posted;
        for (int q = 0; q < world; q++) checkLayout(all[0], all[q], q);
        float[][] column = new float[world][];
        for (int a = 0; a < arrays.length; a++) {
            for (int q = 0; q < world; q++) column[q] = all[q][a];
            int n = arrays[a].length;
            int lo = (int) ((long) n * rank / world), hi = (int) ((long) n * (rank + 1) / world);
            int owner = owners == null ? -1 : owners[a];
            if (owner >= 0) sumInto(column, column[owner], lo, hi);
            else if (world == 2) sumPair(column[0], column[1], lo, hi);
            else sumAll(column, lo, hi);
        }
        group.await();   // no worker reads a sum, or posts its next arrays, before every slice is written
        group.posted[rank] = null;
    }

    /** Waits until every worker has called this (throwing {@link WorkerGone}, as a sum does, when one cannot come). */
    public void barrier() {
        if (group.world > 1) group.await();
    }

    /** Every worker's {@code mine}, by rank: how workers of one group find each other's objects. */
    public Object[] allGather(Object mine) {
        if (group.world == 1) return new Object[] {mine};
        group.gathered[rank] = mine;
        group.await();
        Object[] all = group.gathered.clone();
        group.await();   // nobody overwrites a slot before every worker has read them all
        group.gathered[rank] = null;
        return all;
    }

    /**
     * Sums every trainable parameter's gradient (a zeroed one where it has none yet) and then {@code scalars} over the
     * workers, in place, in one call. False, summing nothing, when a gradient is not a whole host array (a device
     * backend's): every worker runs the same backend, so all of them return the same. {@code owner}: null, or the worker
     * whose gradient alone receives each parameter's sum (the scalars' sum goes to every worker).
     */
    public boolean sumGradients(Collection<Tensor> params, float[] scalars, ToIntFunction<Tensor> owner) {
        List<float[]> arrays = new ArrayList<>();
        List<Integer> owners = new ArrayList<>();
        for (Tensor p : params) {
            if (!p.requiresGrad()) continue;
            if (!(p.gradForAccumulation() instanceof HeapStorage h) || h.data.length != p.size()) return false;
            arrays.add(h.data);
            owners.add(owner == null ? -1 : owner.applyAsInt(p));
        }
        arrays.add(scalars);
        owners.add(-1);
        reduce(arrays.toArray(new float[0][]), owner == null ? null : owners.stream().mapToInt(Integer::intValue).toArray());
        return true;
    }

    /** [lo, hi) of target (one of the arrays) becomes the sum over the arrays, added in rank order. */
    private static void sumInto(float[][] column, float[] target, int lo, int hi) {
        if (column.length == 2) {
            float[] x = column[0], y = column[1];
            for (int k = lo; k < hi; k++) target[k] = x[k] + y[k];
            return;
        }
        for (int k = lo; k < hi; k++) {
            float s = column[0][k];
            for (int q = 1; q < column.length; q++) s += column[q][k];
            target[k] = s;
        }
    }

    /** [lo, hi) of x and y both become x + y. */
    private static void sumPair(float[] x, float[] y, int lo, int hi) {
        for (int k = lo; k < hi; k++) {
            float s = x[k] + y[k];
            x[k] = s;
            y[k] = s;
        }
    }

    /** [lo, hi) of every array becomes the sum over the arrays, added in rank order. */
    private static void sumAll(float[][] column, int lo, int hi) {
        for (int k = lo; k < hi; k++) {
            float s = column[0][k];
            for (int q = 1; q < column.length; q++) s += column[q][k];
            for (float[] c : column) c[k] = s;
        }
    }

    private void checkLayout(float[][] first, float[][] other, int otherRank) {
        boolean same = first.length == other.length;
        for (int a = 0; same && a < first.length; a++) same = first[a].length == other[a].length;
        if (same) return;
        // every worker sees the same two layouts, so all of them throw here and none waits at the second barrier
        throw new IllegalStateException("workers 0 and " + otherRank + " passed different arrays to sum: " + describe(first)
                + " against " + describe(other) + " (every replica must sum the same parameters, in the same order)");
    }

    private static String describe(float[][] arrays) {
        StringBuilder b = new StringBuilder().append(arrays.length).append(" arrays of lengths [");
        for (int a = 0; a < arrays.length && a < 8; a++) b.append(a == 0 ? "" : ", ").append(arrays[a].length);
        return b.append(arrays.length > 8 ? ", ...]" : "]").toString();
    }

    /** This worker failed: the others, waiting for it in a sum or arriving at one, throw with this cause. */
    public void fail(Throwable cause) {
        if (group.gone == null) {
            group.cause = cause;
            group.gone = "data-parallel worker " + rank + " failed: " + cause;
        }
    }

    /** This worker has ended: another one still waiting for it (a sum, a barrier, a gather) has nobody to meet and throws. */
    public void leave() {
        if (group.gone == null) group.gone = "data-parallel worker " + rank + " ended while another was still waiting for it"
                + " (the workers ran different numbers of steps or evaluations)";
    }
}
