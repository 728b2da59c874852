package dev.kiln.runtime.parallel;

import dev.kiln.api.data.Batches;
import dev.kiln.api.tensor.Tensor;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

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
    private final Collective collective;
    private long bytesReduced, nanosReducing;
    private float[] flat;   // the step's gradients and scalars, reused while the layout stays the same

    public DataParallel(Collective collective) { this.collective = collective; }

    /** The worker of the calling thread's training, or null for plain training. */
    public static DataParallel current() { return CURRENT.get(); }

    /** Runs body with this worker as the current thread's. */
    public <T> T run(Callable<T> body) throws Exception {
        DataParallel before = CURRENT.get();
        CURRENT.set(this);
        try {
            return body.call();
        } finally {
            if (before == null) CURRENT.remove();
            else CURRENT.set(before);
        }
    }

    public int rank() { return collective.rank(); }

    public int world() { return collective.world(); }

    /** This worker's rows of each of the epoch's batches (only they are made where the objective makes batches row by row). */
    public Batches shard(Batches epoch) { return epoch.shard(rank(), world()); }

    /** A step summed over the workers: weights, weighted loss sum, tokens; and each worker's own share ({@code workers}). */
    public record StepSums(double weights, double loss, long tokens, List<Map<String, Object>> workers) {}

    /**
     * Sums every trainable parameter's gradient, and this worker's weights, weighted loss sum and tokens,
     * over all workers, in place for the gradients. Parameters without a gradient on this worker take part
     * as zeros (and get one), so all workers reduce the same layout. {@code computeSeconds}: this worker's
     * time for the step so far, reported per worker beside its tokens.
     */
    public StepSums sumStep(Collection<Tensor> params, double weights, double loss, long tokens, double computeSeconds) {
        long t0 = System.nanoTime();
        int world = world(), scalars = 3 + 2 * world;   // weights, loss, tokens; then each worker's tokens and seconds in its slot
        int n = scalars;
        for (Tensor p : params) if (p.requiresGrad()) n += p.size();
        if (flat == null || flat.length != n) flat = new float[n];
        java.util.Arrays.fill(flat, 0f);
        int at = 0;
        for (Tensor p : params) {
            if (!p.requiresGrad()) continue;
            if (p.hasGrad()) System.arraycopy(p.grad().toArray(), 0, flat, at, p.size());
            at += p.size();
        }
        int s = at;
        flat[s] = (float) weights;
        flat[s + 1] = (float) loss;
        flat[s + 2] = tokens;
        flat[s + 3 + rank()] = tokens;
        flat[s + 3 + world + rank()] = (float) computeSeconds;
        collective.allReduceSum(flat);
        at = 0;
        for (Tensor p : params) {
            if (!p.requiresGrad()) continue;
            p.gradForAccumulation();
            p.grad().copyFrom(java.util.Arrays.copyOfRange(flat, at, at + p.size()));
            at += p.size();
        }
        double reduceSeconds = (System.nanoTime() - t0) / 1e9;
        List<Map<String, Object>> workers = new ArrayList<>();
        for (int r = 0; r < world; r++) {
            double ownTokens = flat[s + 3 + r], seconds = flat[s + 3 + world + r];
            Map<String, Object> w = new LinkedHashMap<>();
            w.put("rank", r);
            w.put("tokens", (long) ownTokens);
            w.put("compute_s", seconds);
            w.put("tokens_per_s", seconds > 0 ? ownTokens / seconds : 0.0);
            if (r == rank()) w.put("allreduce_s", reduceSeconds);
            workers.add(w);
        }
        bytesReduced += 4L * n;
        nanosReducing += System.nanoTime() - t0;
        return new StepSums(flat[s], flat[s + 1], (long) flat[s + 2], workers);
    }

    /** Bytes this worker has all-reduced so far (its array, not what crossed the wire). */
    public long bytesReduced() { return bytesReduced; }

    /** Wall time spent in {@link #sumStep}, copies included. */
    public long nanosReducing() { return nanosReducing; }
}
