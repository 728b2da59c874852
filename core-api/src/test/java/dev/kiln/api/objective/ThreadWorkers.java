package dev.kiln.api.objective;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntFunction;

/** Test helper: N step workers on threads, summing arrays through a barrier as the workers' ring does. */
public final class ThreadWorkers implements StepWorkers.Sum {
    private final int world;
    private float[] total;
    private final CyclicBarrier arrived, read;

    public ThreadWorkers(int world) {
        this.world = world;
        this.arrived = new CyclicBarrier(world);
        this.read = new CyclicBarrier(world, () -> total = null);
    }

    @Override public int count() { return world; }

    @Override
    public void sum(float[] values) {
        try {
            synchronized (this) {
                if (total == null) total = values.clone();
                else for (int i = 0; i < values.length; i++) total[i] += values[i];
            }
            arrived.await();
            System.arraycopy(total, 0, values, 0, values.length);
            read.await();                                  // all have read: the barrier's action clears the total
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Each worker's result of {@code body.apply(rank)}, run inside {@link StepWorkers#during} on its own thread. */
    public <T> List<T> run(IntFunction<Callable<T>> body) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(world);
        try {
            List<Future<T>> futures = new ArrayList<>();
            for (int r = 0; r < world; r++) {
                Callable<T> work = body.apply(r);
                futures.add(pool.submit(() -> StepWorkers.during(this, () -> {
                    try {
                        return work.call();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                })));
            }
            List<T> out = new ArrayList<>();
            for (Future<T> f : futures) out.add(f.get());
            return out;
        } finally {
            pool.shutdownNow();
        }
    }
}
