package dev.kiln.runtime.parallel;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Data-parallel replicas inside one JVM: {@code world} workers on threads (rank 0 on the calling thread), each with
 * its own backend and model, summing gradients in shared memory ({@link SharedMemoryCollective}). PyTorch's
 * counterpart on a CPU is DDP with one process per group of cores. On a machine whose cores do not share one cache
 * (two sockets, several core complexes, a VM whose vCPUs move apart) a replica's activations and gradients then stay
 * in its own cores' caches, where one team of threads over all cores passes them between caches at every op.
 */
public final class Replicas {
    private Replicas() {}

    /** One replica's work, run with its {@link DataParallel} current. */
    @FunctionalInterface
    public interface Body<T> {
        T run(int rank, int world) throws Exception;
    }

    /**
     * Runs body on {@code world} replicas and returns their results by rank. When a replica fails, the others stop at
     * their next sum, and this throws the first failure (the others' as suppressed exceptions).
     */
    public static <T> List<T> run(int world, Body<T> body) throws Exception {
        List<SharedMemoryCollective> group = SharedMemoryCollective.group(world);
        Object[] results = new Object[world];
        Throwable[] failures = new Throwable[world];
        Thread[] threads = new Thread[world];
        String parent = Thread.currentThread().getName();
        for (int r = 1; r < world; r++) {
            int rank = r;
            threads[r] = new Thread(() -> replica(group.get(rank), body, results, failures), parent + "-replica-" + r);
            threads[r].setDaemon(true);
            threads[r].start();
        }
        replica(group.get(0), body, results, failures);
        for (int r = 1; r < world; r++) threads[r].join();
        Throwable first = null;
        for (Throwable t : failures) {   // the replica that failed first, not one that stopped because of it
            if (t == null) continue;
            if (first == null || secondary(first) && !secondary(t)) first = t;
        }
        if (first != null) {
            for (Throwable t : failures) if (t != null && t != first) first.addSuppressed(t);
            if (first instanceof Exception e) throw e;
            throw (Error) first;
        }
        @SuppressWarnings("unchecked")
        List<T> out = (List<T>) Arrays.asList(results);
        return new ArrayList<>(out);
    }

    private static <T> void replica(SharedMemoryCollective c, Body<T> body, Object[] results, Throwable[] failures) {
        try {
            results[c.rank()] = new DataParallel(c).run(() -> body.run(c.rank(), c.world()));
        } catch (Throwable t) {
            failures[c.rank()] = t;
            c.fail(t);
        } finally {
            c.leave();
        }
    }

    /** A replica that stopped because another one failed or ended. */
    private static boolean secondary(Throwable t) {
        return t instanceof SharedMemoryCollective.WorkerGone;
    }
}
