package dev.kiln.backend.cpu;

import java.lang.ref.Cleaner;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntConsumer;

/**
 * A fixed team of {@code threads − 1} daemon workers, created once per backend; the calling thread is
 * the last member, so {@code threads} is the number of cores busy during a call. Like an OpenMP team
 * with an active wait policy, idle workers wait for a short while ({@link #SPIN_NANOS}) before they
 * park, so the hundreds of small fan-outs of a training step start without a park/unpark hand-off each
 * (2 threads, training tokens/s over a ForkJoinPool, alternating pairs: tiny +14%, small +11%; bench/JOURNAL.md, first sittings).
 * A waiting thread (idle worker, or the caller waiting for the workers' chunks) spins only for
 * {@link #YIELD_AFTER_NANOS}, then yields its core at each turn: alone on the machine that costs nothing,
 * and when two jobs share the cores the other job's threads run instead of a spinning one (two 2-thread
 * tiny runs on 2 cores: 14K tokens/s together before, 31K after; bench/JOURNAL.md, first sittings).
 * A call from inside a fan-out (a worker's chunk or the caller's own), or while another thread holds the
 * team, runs inline on the calling thread (no nested fan-out; same results, only the split differs). The workers end at {@link #close}, or when the
 * backend that owns this team is collected without being closed.
 */
final class Parallel implements AutoCloseable {
    /** How long an idle worker waits for the next fan-out before parking. */
    static final long SPIN_NANOS = 200_000;
    /** How long a waiting thread spins before it yields its core at each turn (to another process's thread, when the machine has more threads than cores). */
    static final long YIELD_AFTER_NANOS = 20_000;
    private static final Cleaner CLEANER = Cleaner.create();
    private static final AtomicInteger TEAMS = new AtomicInteger();

    /** A half-open range [from, to) of some index space. */
    @FunctionalInterface
    interface Range {
        void run(int from, int to);
    }

    /** One fan-out: generation, body, index space and chunk count. */
    private record Job(long generation, Range body, int n, int chunks) {}

    /** What the workers share; it holds no reference to the {@link Parallel}, so an unclosed one can be collected. */
    private static final class Team implements Runnable {
        final Thread[] workers;
        final AtomicInteger pending = new AtomicInteger();
        volatile Job current = new Job(0, null, 0, 0);   // one volatile read gives a worker a consistent job
        volatile boolean closed;
        volatile Throwable failure;

        Team(int size) { workers = new Thread[size]; }

        /** Ends the workers (close, or the owner collected). */
        @Override
        public void run() {
            closed = true;
            for (Thread w : workers) LockSupport.unpark(w);
        }

        /** Worker {@code chunk}: waits for a job with more than {@code chunk} chunks, runs its chunk, reports. */
        void work(int chunk) {
            long seen = 0;
            while (!closed) {
                long start = System.nanoTime();
                Job j;
                while ((j = current).generation() == seen && !closed) {
                    if (System.nanoTime() - start < SPIN_NANOS) pause(start);
                    else LockSupport.park(this);
                }
                if (closed) return;
                seen = j.generation();
                if (chunk >= j.chunks()) continue;   // not needed by this job, which cannot finish without those it needs
                int n = j.n(), chunks = j.chunks();
                try {
                    j.body().run((int) ((long) n * chunk / chunks), (int) ((long) n * (chunk + 1) / chunks));
                } catch (Throwable t) {
                    failure = t;
                } finally {
                    pending.decrementAndGet();
                }
            }
        }
    }

    private final int threads;
    private final String name;
    private final Team team;
    private final ReentrantLock lock = new ReentrantLock();
    private final Cleaner.Cleanable cleanable;

    Parallel(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        this.threads = threads;
        this.name = "kiln-cpu-" + TEAMS.incrementAndGet();
        this.team = new Team(threads - 1);
        for (int w = 0; w < team.workers.length; w++) {
            int chunk = w + 1;
            Team t = team;
            team.workers[w] = new Thread(() -> t.work(chunk), name + "-" + w);
            team.workers[w].setDaemon(true);
            team.workers[w].start();
        }
        this.cleanable = CLEANER.register(this, team);
    }

    int threads() { return threads; }

    /** The workers' name prefix ({@code kiln-cpu-<team>-<worker>}). */
    String name() { return name; }

    /** Splits [0, n) into at most {@code threads} contiguous chunks of at least {@code grain}. */
    void range(int n, int grain, Range body) {
        int chunks = (int) Math.min(threads, (n + (long) Math.max(grain, 1) - 1) / Math.max(grain, 1));
        if (chunks <= 1 || isWorker() || lock.isHeldByCurrentThread() || !lock.tryLock()) {
            if (n > 0) body.run(0, n);
            return;
        }
        try {
            team.failure = null;
            team.pending.set(chunks - 1);
            team.current = new Job(team.current.generation() + 1, body, n, chunks);   // publishes the job
            for (int w = 0; w < chunks - 1; w++) LockSupport.unpark(team.workers[w]);
            body.run(0, (int) ((long) n / chunks));
            awaitWorkers();
            Throwable t = team.failure;
            if (t instanceof RuntimeException r) throw r;
            if (t instanceof Error e) throw e;
            if (t != null) throw new IllegalStateException(t);
        } finally {
            lock.unlock();
        }
    }

    /** Runs task(i) for i in [0, count), handed out one at a time to balance uneven tasks. */
    void each(int count, IntConsumer task) {
        int members = Math.min(threads, count);
        if (members <= 1) {
            for (int i = 0; i < count; i++) task.accept(i);
            return;
        }
        AtomicInteger next = new AtomicInteger();
        range(members, 1, (from, to) -> {
            for (int i; (i = next.getAndIncrement()) < count; ) task.accept(i);
        });
    }

    /**
     * Runs body over [0, n) in chunks that shrink as the work runs out (OpenMP's guided schedule): each claim
     * takes half an even share of what is left, at least minChunk, so the threads finish within about one small
     * chunk of each other instead of one waiting out another's last large one. A thread may run several chunks,
     * in increasing order of from.
     */
    void guided(int n, int minChunk, Range body) {
        if (n <= 0) return;
        int min = Math.max(1, minChunk);
        AtomicInteger next = new AtomicInteger();
        range((int) Math.min(threads, (n + (long) min - 1) / min), 1, (from, to) -> claimGuided(next, n, min, threads, body));
    }

    /**
     * One claimant's part of a guided schedule over [0, n) shared through next by {@code claimants} threads: takes
     * chunks of half an even share of what is left, at least minChunk, until none are left.
     */
    static void claimGuided(AtomicInteger next, int n, int minChunk, int claimants, Range body) {
        for (int i = next.get(); i < n; i = next.get()) {
            int chunk = Math.min(n - i, Math.max(minChunk, (n - i) / (2 * claimants)));
            if (next.compareAndSet(i, i + chunk)) body.run(i, i + chunk);
        }
    }

    /** Waits for the workers' chunks, about as long as the caller's: spinning, then yielding the core at each turn. */
    private void awaitWorkers() {
        long start = System.nanoTime();
        while (team.pending.get() > 0) pause(start);
    }

    /** One turn of a thread waiting since {@code start}: a spin hint at first, then yielding the core. */
    static void pause(long start) {
        if (System.nanoTime() - start < YIELD_AFTER_NANOS) Thread.onSpinWait();
        else Thread.yield();
    }

    private boolean isWorker() {
        Thread me = Thread.currentThread();
        for (Thread w : team.workers) if (w == me) return true;
        return false;
    }

    @Override
    public void close() { cleanable.clean(); }
}
