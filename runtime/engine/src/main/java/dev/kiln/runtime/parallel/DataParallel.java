package dev.kiln.runtime.parallel;

import dev.kiln.api.data.Batch;
import dev.kiln.api.tensor.Tensor;

import java.util.Collection;
import java.util.concurrent.Callable;

/**
 * Synchronous data-parallel training, as PyTorch DDP does it: every worker starts from the same weights
 * and seed, trains on its rows of each global batch ({@link BatchShards}), and before the optimizer
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

    public Batch shard(Batch global) { return BatchShards.rows(global, rank(), world()); }

    /**
     * Sums every trainable parameter's gradient and the given scalars over all workers, in place.
     * Parameters without a gradient on this worker take part as zeros (and get one), so all workers
     * reduce the same layout.
     */
    public void allReduce(Collection<Tensor> params, double[] scalars) {
        long t0 = System.nanoTime();
        int n = scalars.length;
        for (Tensor p : params) if (p.requiresGrad()) n += p.size();
        float[] flat = new float[n];
        int at = 0;
        for (Tensor p : params) {
            if (!p.requiresGrad()) continue;
            if (p.hasGrad()) System.arraycopy(p.backend().download(p.gradForAccumulation()), 0, flat, at, p.size());
            at += p.size();
        }
        for (double v : scalars) flat[at++] = (float) v;
        collective.allReduceSum(flat);
        at = 0;
        for (Tensor p : params) {
            if (!p.requiresGrad()) continue;
            float[] g = java.util.Arrays.copyOfRange(flat, at, at + p.size());
            p.backend().copy(p.backend().upload(g), 0, p.gradForAccumulation(), 0, g.length);
            at += p.size();
        }
        for (int i = 0; i < scalars.length; i++) scalars[i] = flat[at++];
        bytesReduced += 4L * n;
        nanosReducing += System.nanoTime() - t0;
    }

    /** Bytes this worker has all-reduced so far (its array, not what crossed the wire). */
    public long bytesReduced() { return bytesReduced; }

    /** Wall time spent in {@link #allReduce}, copies included. */
    public long nanosReducing() { return nanosReducing; }
}
