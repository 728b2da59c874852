package dev.kiln.runtime.parallel;

import dev.kiln.api.tensor.Tensor;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.tensor.Storage;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * A step's gradients summed over the workers in buckets while backward still runs, as PyTorch DDP's
 * reducer does: the trainable parameters are grouped, last ones first (backward finishes them first), into
 * buckets of about {@code bucketFloats} (the first one small, so the wire starts early); when every gradient
 * of a bucket is complete ({@link Tensor#onGradientReady}) its copy is all-reduced on a communication thread.
 * Buckets are reduced strictly in index order, so every worker issues the same collectives in the same order
 * whatever order its gradients finish in. {@link #finish} fills in what backward did not reach (a parameter
 * without a gradient on this worker takes part as zeros), reduces the step's scalars last, waits, and writes
 * the sums back into the gradients.
 */
final class GradientBuckets implements AutoCloseable {
    private final Collective collective;
    private final List<Bucket> buckets = new ArrayList<>();
    private final Map<Tensor, Slot> slots = new IdentityHashMap<>();
    private final ExecutorService wire = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "kiln-allreduce");
        t.setDaemon(true);
        return t;
    });
    private final Set<Tensor> delivered = Collections.newSetFromMap(new IdentityHashMap<>());
    private boolean armed;
    private int nextLaunch;
    private long busyNanos;   // the communication thread's time in all-reduces this step

    private static final class Bucket {
        final float[] flat;
        final List<Tensor> params = new ArrayList<>();
        int pending;
        boolean ready;
        Future<?> reduced;

        Bucket(int floats) { flat = new float[floats]; }
    }

    private record Slot(Bucket bucket, int offset) {}

    /** @param params every trainable parameter, in the model's order (the same on every worker) */
    GradientBuckets(Collective collective, List<Tensor> params, int firstBucketFloats, int bucketFloats) {
        this.collective = collective;
        List<Tensor> group = new ArrayList<>();
        int floats = 0, cap = Math.max(1, firstBucketFloats);
        for (int i = params.size() - 1; i >= 0; i--) {
            Tensor p = params.get(i);
            if (!group.isEmpty() && floats + p.size() > cap) {
                addBucket(group, floats);
                group.clear();
                floats = 0;
                cap = Math.max(1, bucketFloats);
            }
            group.add(p);
            floats += p.size();
        }
        if (!group.isEmpty()) addBucket(group, floats);
    }

    private void addBucket(List<Tensor> group, int floats) {
        Bucket b = new Bucket(floats);
        int at = 0;
        for (Tensor p : group) {
            b.params.add(p);
            slots.put(p, new Slot(b, at));
            at += p.size();
        }
        buckets.add(b);
    }

    /** Buckets, for tests and logs. */
    int bucketCount() { return buckets.size(); }

    /** Gradient floats over all buckets. */
    long floats() {
        long n = 0;
        for (Bucket b : buckets) n += b.flat.length;
        return n;
    }

    /** Starts a step: from now on each gradient that backward completes is copied and its bucket reduced when full. */
    void arm() {
        reset();
        armed = true;
        for (Tensor p : slots.keySet()) p.onGradientReady(this::ready);
    }

    private void reset() {
        delivered.clear();
        nextLaunch = 0;
        busyNanos = 0;
        for (Bucket b : buckets) {
            b.pending = b.params.size();
            b.ready = false;
            b.reduced = null;
        }
    }

    private void ready(Tensor p) {
        Slot s = slots.get(p);
        boolean again = !delivered.add(p);   // a parameter shared by two checkpointed segments completes once per segment
        if (again && s.bucket.ready)
            throw new IllegalStateException("parameter of shape " + p.shape() + " got more gradient after its bucket was sent"
                    + " (it is used in two gradient-checkpointed segments): run the workers with -D" + DataParallel.OVERLAP_PROPERTY
                    + "=false to sum gradients after backward instead");
        System.arraycopy(p.grad().toArray(), 0, s.bucket.flat, s.offset, p.size());
        if (!again && --s.bucket.pending == 0) {
            s.bucket.ready = true;
            launchReady();
        }
    }

    /** Sends every bucket that is ready and whose predecessors have been sent (index order on every worker). */
    private void launchReady() {
        while (nextLaunch < buckets.size() && buckets.get(nextLaunch).ready) {
            Bucket b = buckets.get(nextLaunch++);
            b.reduced = wire.submit(() -> {
                long t0 = System.nanoTime();
                collective.allReduceSum(b.flat);
                busyNanos += System.nanoTime() - t0;
                return null;
            });
        }
    }

    /**
     * A finished step: the communication thread's seconds in all-reduces, and how many buckets went out while
     * backward was still running (the overlap; 0 when the step was not armed).
     */
    record Finished(double busySeconds, int sentDuringBackward) {}

    /**
     * Ends the step: copies the gradients no hook delivered (all of them when the step was not armed), reduces
     * what is left and then {@code scalars} in place, and writes the summed gradients back.
     */
    Finished finish(float[] scalars) {
        if (!armed) reset();
        int sentDuringBackward = nextLaunch;
        try {
            for (Bucket b : buckets) {
                if (b.ready) continue;
                for (Tensor p : b.params) {
                    int at = slots.get(p).offset;
                    if (p.hasGrad()) System.arraycopy(p.grad().toArray(), 0, b.flat, at, p.size());
                    else Arrays.fill(b.flat, at, at + p.size(), 0f);
                }
                b.ready = true;
            }
            launchReady();
            Future<?> last = wire.submit(() -> collective.allReduceSum(scalars));
            for (Bucket b : buckets) join(b.reduced);
            join(last);
            for (Bucket b : buckets) {   // one upload per bucket, then a device copy into each gradient
                Backend be = b.params.get(0).backend();
                Storage sums = be.upload(b.flat);
                for (Tensor p : b.params) be.copy(sums, slots.get(p).offset, p.gradForAccumulation(), 0, p.size());
                be.release(sums);
            }
            return new Finished(busyNanos / 1e9, sentDuringBackward);
        } finally {
            armed = false;
            for (Tensor p : slots.keySet()) p.onGradientReady(null);
        }
    }

    private static void join(Future<?> f) {
        try {
            f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while summing gradients over the workers", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            throw new IllegalStateException(e.getCause());
        }
    }

    @Override
    public void close() {
        for (Tensor p : slots.keySet()) p.onGradientReady(null);
        wire.shutdownNow();
    }
}
