package dev.kiln.runtime.train;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A request, from outside the training loop (the CLI's SIGTERM / SIGINT handler), to stop training
 * at the next step boundary: the {@link Trainer} saves a checkpoint first when asked
 * ({@code train.checkpoint_on_interrupt}), then ends with {@link TrainingInterruptedException}.
 * Signals are process-wide, so the request is too.
 */
public final class StopRequest {
    private static volatile Request pending;
    private static volatile int activeTrainers;

    /** @param checkpoint save a checkpoint before stopping (SIGTERM: the scheduler will restart the job) */
    public record Request(String reason, boolean checkpoint, CountDownLatch handled) {
        /** Waits until a trainer has stopped (and saved); false on timeout. */
        public boolean awaitHandled(long timeout, TimeUnit unit) throws InterruptedException {
            return handled.await(timeout, unit);
        }
    }

    private StopRequest() {}

    /** Asks running training to stop at its next step boundary. */
    public static Request request(String reason, boolean checkpoint) {
        Request r = new Request(reason, checkpoint, new CountDownLatch(1));
        pending = r;
        return r;
    }

    /**
     * The stop a data-parallel worker makes when another worker was asked to stop and it was not (the signal reached
     * another process, or came after this worker's vote): not pending here, so handling it consumes nothing else.
     */
    static Request onBehalfOfAnotherWorker(boolean checkpoint) {
        return new Request("another worker's stop request", checkpoint, new CountDownLatch(1));
    }

    /** Whether a training loop is running in this process (else there is nothing to stop gracefully). */
    public static boolean trainingRuns() { return activeTrainers > 0; }

    static Request pending() { return pending; }

    static synchronized void started() { activeTrainers++; }

    static synchronized void ended() { activeTrainers--; }

    /** The trainer has acted on {@code r}: the request is consumed and its waiter released. */
    static void handled(Request r) {
        if (pending == r) pending = null;
        r.handled().countDown();
    }

    /** Drops a request nobody acted on (tests). */
    public static void clear() { pending = null; }
}
