package dev.kiln.runtime.train;

import dev.kiln.api.data.Batch;
import dev.kiln.api.data.Batches;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Makes batch i + 1 on a background thread while the trainer computes step i (a one-worker data
 * loader): reading a prepared corpus's blocks from disk overlaps the model's work. Batches are
 * deterministic per index, so prefetching changes nothing but timing. At most one batch is made at
 * a time, and {@link #settle()} waits for it before an evaluation makes batches on the trainer's
 * thread; {@code Objective.compute} does run meanwhile (the contract of {@code Objective.batches}).
 */
final class PrefetchedBatches implements AutoCloseable {
    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "kiln-batches");
        t.setDaemon(true);
        return t;
    });
    private Batches epoch;
    private long pendingIndex = -1;
    private CompletableFuture<Batch> pending;

    /** Batch {@code index} of {@code batches} (made now unless it was prefetched), then starts making the next one. */
    Batch get(Batches batches, long index) {
        Batch b;
        if (batches == epoch && index == pendingIndex) {
            b = join(pending);
        } else {
            settle();
            b = batches.get(index);
        }
        epoch = batches;
        pending = null;
        pendingIndex = -1;
        if (index + 1 < batches.size()) {
            pendingIndex = index + 1;
            pending = CompletableFuture.supplyAsync(() -> batches.get(index + 1), worker);
        }
        return b;
    }

    /** Waits for a batch being made (before the objective is used on this thread, e.g. to evaluate). */
    void settle() {
        if (pending != null) {
            try {
                pending.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException ignored) {
                // made again, and its error raised, when the trainer asks for it
            }
        }
    }

    private static Batch join(CompletableFuture<Batch> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while making a batch", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            if (e.getCause() instanceof Error err) throw err;
            throw new IllegalStateException(e.getCause());
        }
    }

    @Override
    public void close() {
        settle();
        worker.shutdown();                                 // not shutdownNow: an interrupt would close the shard channels mid-read
    }
}
