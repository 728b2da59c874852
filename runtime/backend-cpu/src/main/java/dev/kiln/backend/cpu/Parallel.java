package dev.kiln.backend.cpu;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

/**
 * A fixed pool of daemon worker threads, created once per backend. The calling thread works too,
 * so {@code threads} is the number of cores busy during a call. A call made from one of this
 * pool's own workers runs inline (no nested fan-out).
 */
final class Parallel implements AutoCloseable {

    /** A half-open range [from, to) of some index space. */
    @FunctionalInterface
    interface Range {
        void run(int from, int to);
    }

    private final int threads;
    private final ForkJoinPool pool;

    Parallel(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        this.threads = threads;
        this.pool = threads == 1 ? null : new ForkJoinPool(threads, p -> {
            ForkJoinWorkerThread t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(p);
            t.setDaemon(true);
            t.setName("kiln-cpu-" + t.getPoolIndex());
            return t;
        }, null, false);
    }

    int threads() { return threads; }

    private boolean inline() {
        return pool == null || (Thread.currentThread() instanceof ForkJoinWorkerThread w && w.getPool() == pool);
    }

    /** Splits [0, n) into at most {@code threads} contiguous chunks of at least {@code grain}. */
    void range(int n, int grain, Range body) {
        int chunks = (int) Math.min(threads, (n + (long) Math.max(grain, 1) - 1) / Math.max(grain, 1));
        if (chunks <= 1 || inline()) {
            if (n > 0) body.run(0, n);
            return;
        }
        ForkJoinTask<?>[] forked = new ForkJoinTask<?>[chunks - 1];
        for (int c = 1; c < chunks; c++) {
            int from = (int) ((long) n * c / chunks), to = (int) ((long) n * (c + 1) / chunks);
            forked[c - 1] = pool.submit(() -> body.run(from, to));
        }
        body.run(0, (int) ((long) n / chunks));
        for (ForkJoinTask<?> t : forked) t.join();
    }

    /** Runs task(i) for i in [0, count), handed out one at a time to balance uneven tasks. */
    void each(int count, IntConsumer task) {
        int workers = Math.min(threads, count);
        if (workers <= 1 || inline()) {
            for (int i = 0; i < count; i++) task.accept(i);
            return;
        }
        AtomicInteger next = new AtomicInteger();
        Runnable worker = () -> {
            for (int i; (i = next.getAndIncrement()) < count; ) task.accept(i);
        };
        ForkJoinTask<?>[] forked = new ForkJoinTask<?>[workers - 1];
        for (int w = 0; w < forked.length; w++) forked[w] = pool.submit(worker);
        worker.run();
        for (ForkJoinTask<?> t : forked) t.join();
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.shutdown();
            try {
                pool.awaitTermination(1, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
