package dev.kiln.runtime.parallel;

import dev.kiln.api.data.Batches;
import dev.kiln.api.objective.StepWorkers;
import dev.kiln.api.tensor.Tensor;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.ToIntFunction;

/**
 * Synchronous data-parallel training, as PyTorch DDP does it: every worker starts from the same weights
 * and seed, trains on its rows of each global batch ({@link Batches#shard}), and before the optimizer
 * step the gradients (each worker's weighted sum) and the weights they count for are summed over all
 * workers, so every worker applies the same update. The trainer treats workers like gradient-accumulation
 * micro-batches: the global gradient is Σ workers Σ micro-batches w·∇loss / Σ w.
 *
 * <p>The trainer of the current thread finds its worker through {@link #current()}: a driver (Spark's
 * barrier task, a test) runs the training inside {@link #run}.
 */
public final class DataParallel {
    private static final ThreadLocal<DataParallel> CURRENT = new ThreadLocal<>();
    /**
     * PyTorch DDP's bucket sizes: a first bucket of 1 MiB so the wire starts early, then 25 MiB ({@code bucket_cap_mb};
     * {@code -Dkiln.allreduce.bucket_mb} sets it here).
     */
    static final int FIRST_BUCKET_FLOATS = (1 << 20) / 4,
            BUCKET_FLOATS = (int) Math.min(Integer.MAX_VALUE, Math.round(Double.parseDouble(System.getProperty("kiln.allreduce.bucket_mb", "25")) * (1 << 20) / 4));
    static final String OVERLAP_PROPERTY = "kiln.allreduce.overlap";
    private static final boolean OVERLAP = !"false".equals(System.getProperty(OVERLAP_PROPERTY));
    private final Collective collective;
    private final int firstBucketFloats, bucketFloats;
    private long bytesReduced, nanosReducing, sentDuringBackward;
    private GradientBuckets buckets;   // for the trainable parameters in 'bucketed'
    private final StepWorkers.Sum stepWorkers = new StepWorkers.Sum() {   // what a training step's objective sums over
        @Override public int count() { return world(); }

        @Override public void sum(float[] values) { collective.allReduceSum(values); }
    };
    private List<Tensor> bucketed;

    public DataParallel(Collective collective) { this(collective, FIRST_BUCKET_FLOATS, BUCKET_FLOATS); }

    /** With other bucket sizes (floats) than DDP's. */
    DataParallel(Collective collective, int firstBucketFloats, int bucketFloats) {
        this.collective = collective;
        this.firstBucketFloats = firstBucketFloats;
        this.bucketFloats = bucketFloats;
    }

    /** The worker of the calling thread's training, or null for plain training. */
    public static DataParallel current() { return CURRENT.get(); }

    /** Runs body with this worker as the current thread's. */
    public <T> T run(Callable<T> body) throws Exception {
        DataParallel before = CURRENT.get();
        CURRENT.set(this);
        try {
            return body.call();
        } finally {
            if (buckets != null) buckets.close();
            buckets = null;
            if (before == null) CURRENT.remove();
            else CURRENT.set(before);
        }
    }

    public int rank() { return collective.rank(); }

    /** What this worker sums with. */
    public Collective collective() { return collective; }

    /** The workers' shared memory when they are replicas in this JVM ({@link Replicas}) and more than one; else null. */
    public SharedMemoryCollective replicas() {
        return collective instanceof SharedMemoryCollective shared && world() > 1 ? shared : null;
    }

    public int world() { return collective.world(); }

    /** The workers as a training step's objective sees them ({@code StepWorkers}): sums over the ring. */
    public StepWorkers.Sum stepWorkers() { return stepWorkers; }

    /** This worker's rows of each of the epoch's batches (only they are made where the objective makes batches row by row). */
    public Batches shard(Batches epoch) { return epoch.shard(rank(), world()); }

    /**
     * A step summed over the workers: weights, weighted loss sum, tokens; each worker's own share ({@code workers}); and
     * whether any worker was asked to stop ({@code stop}), and to save a checkpoint first ({@code checkpointOnStop}).
     */
    public record StepSums(double weights, double loss, long tokens, List<Map<String, Object>> workers, boolean stop,
                           boolean checkpointOnStop) {}

    /** A stop this worker was asked for (a signal): none, stop, or stop after a checkpoint. */
    public enum StopVote { NONE, STOP, STOP_AFTER_CHECKPOINT }

    /**
     * Call before the backward of a step's last micro-batch: each bucket of gradients is summed over the
     * workers as soon as backward completes it ({@link GradientBuckets}), overlapping the communication with
     * the rest of backward (off with {@code -Dkiln.allreduce.overlap=false}).
     */
    public void overlapBackward(Collection<Tensor> params) {
        if (OVERLAP && !(collective instanceof SharedMemoryCollective)) buckets(params).arm();
    }

    /**
     * Sums every trainable parameter's gradient, and this worker's weights, weighted loss sum and tokens,
     * over all workers, in place for the gradients. Parameters without a gradient on this worker take part
     * as zeros (and get one), so all workers reduce the same layout. {@code computeSeconds}: this worker's
     * time for the step so far, reported per worker beside its tokens. {@code stop}: this worker's vote, so that every
     * worker stops after the same step when any of them is asked to (a signal reaches one process, or one replica
     * of several sees it first). {@code owner}: null, or the replica whose gradient alone receives each parameter's sum
     * ({@link ShardedOptimizer#ownerOf}); the others keep their own gradient.
     */
    public StepSums sumStep(Collection<Tensor> params, double weights, double loss, long tokens, double computeSeconds, StopVote stop,
                     ToIntFunction<Tensor> owner) {
        long t0 = System.nanoTime();
        int world = world();
        // weights, loss, tokens, stop votes, checkpoint votes; then each worker's tokens and seconds in its slot
        float[] scalars = new float[5 + 2 * world];
        scalars[0] = (float) weights;
        scalars[1] = (float) loss;
        scalars[2] = tokens;
        scalars[3] = stop == StopVote.NONE ? 0 : 1;
        scalars[4] = stop == StopVote.STOP_AFTER_CHECKPOINT ? 1 : 0;
        scalars[5 + rank()] = tokens;
        scalars[5 + world + rank()] = (float) computeSeconds;
        GradientBuckets.Finished done;
        long floats;
        // replicas in this JVM: every gradient summed where it lies, in one call
        if (collective instanceof SharedMemoryCollective shared && shared.sumGradients(params, scalars, owner)) {
            done = new GradientBuckets.Finished((System.nanoTime() - t0) / 1e9, 0);
            floats = scalars.length;
            for (Tensor p : params) if (p.requiresGrad()) floats += p.size();
        } else {
            if (owner != null) throw new IllegalStateException("gradients summed into their owners need replicas of the cpu backend");
            GradientBuckets b = buckets(params);
            done = b.finish(scalars);
            sentDuringBackward += done.sentDuringBackward();
            floats = b.floats() + scalars.length;
        }
        double waited = (System.nanoTime() - t0) / 1e9;
        List<Map<String, Object>> workers = new ArrayList<>();
        for (int r = 0; r < world; r++) {
            double ownTokens = scalars[5 + r], seconds = scalars[5 + world + r];
            Map<String, Object> w = new LinkedHashMap<>();
            w.put("rank", r);
            w.put("tokens", (long) ownTokens);
            w.put("compute_s", seconds);
            w.put("tokens_per_s", seconds > 0 ? ownTokens / seconds : 0.0);
            if (r == rank()) {
                w.put("allreduce_s", done.busySeconds());          // the communication thread's time in all-reduces
                w.put("allreduce_wait_s", waited);   // what of it the step waited for after backward
            }
            workers.add(w);
        }
        bytesReduced += 4L * floats;
        nanosReducing += System.nanoTime() - t0;
        return new StepSums(scalars[0], scalars[1], (long) scalars[2], workers, scalars[3] > 0, scalars[4] > 0);
    }

    /**
     * Sums the objective's batch metrics of this step (each already multiplied by its micro-batch's weight) over
     * the workers, in place, when every worker reports the same metric names; then they are divided by the summed
     * weights, as the loss is. Returns false, leaving each worker its own, when the names differ. The names are
     * compared through a count and a hash and their squares: Σx² · N = (Σx)² holds only when every worker's x is
     * the same, and the sums are the same on every worker, so all of them take the same branch.
     */
    public boolean sumMetrics(Map<String, Double> weighted) {
        List<String> names = new ArrayList<>(weighted.keySet());
        java.util.Collections.sort(names);
        float count = names.size(), hash = Math.floorMod(names.hashCode(), 512);   // small enough to sum exactly in floats
        float[] check = {count, count * count, hash, hash * hash};
        collective.allReduceSum(check);
        double n = world();
        if ((double) check[0] * check[0] != n * check[1] || (double) check[2] * check[2] != n * check[3]) return false;
        float[] values = new float[names.size()];
        for (int i = 0; i < values.length; i++) values[i] = weighted.get(names.get(i)).floatValue();
        collective.allReduceSum(values);
        for (int i = 0; i < values.length; i++) weighted.put(names.get(i), (double) values[i]);
        return true;
    }

    /** The buckets of these parameters' gradients, made again when the trainable set changes. */
    private GradientBuckets buckets(Collection<Tensor> params) {
        List<Tensor> trainable = new ArrayList<>();
        for (Tensor p : params) if (p.requiresGrad()) trainable.add(p);
        if (buckets == null || !trainable.equals(bucketed)) {   // Tensor has identity equality
            if (buckets != null) buckets.close();
            buckets = new GradientBuckets(collective, trainable, firstBucketFloats, bucketFloats);
            bucketed = trainable;
        }
        return buckets;
    }

    /** Gradient buckets this worker sent while backward was still running (the overlap), so far. */
    public long bucketsSentDuringBackward() { return sentDuringBackward; }

    /** Bytes this worker has all-reduced so far (its array, not what crossed the wire). */
    public long bytesReduced() { return bytesReduced; }

    /** Wall time spent in {@link #sumStep}, copies included. */
    public long nanosReducing() { return nanosReducing; }
}
