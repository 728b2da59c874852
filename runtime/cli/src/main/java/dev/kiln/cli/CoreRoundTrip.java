package dev.kiln.cli;

import java.util.OptionalDouble;
import java.util.concurrent.atomic.AtomicLong;

/**
 * How far apart the cores of two threads are: two threads hand a counter back and forth through one cache line, in
 * batches, and the fastest batch's time per round trip is reported. On the bench's 2-vCPU host it reads about 70 ns
 * while the host runs the two vCPUs on cores that share a cache and about 330 ns (up to 1.2 µs) while it does not,
 * switching within seconds, and Kiln's two-thread steps are up to a third slower in the second state (bench/JOURNAL.md,
 * thirteenth session), so `kiln bench` takes one before and one after its timed steps to say which state
 * a run met.
 */
final class CoreRoundTrip {
    /** Round trips between clock reads. */
    private static final int BATCH = 256;

    private CoreRoundTrip() {}

    /**
     * The round trip in ns: the fastest batch's mean, over at most {@code trips} round trips or {@code budgetNanos},
     * whichever ends first (the first batches run before the JIT has compiled the loop, and a batch's mean is one clock
     * read a batch, not one a trip); empty with fewer than two processors, where the two threads would take turns on
     * one core, or when a round trip does not come back within the budget.
     */
    static OptionalDouble nanos(int trips, long budgetNanos) {
        if (trips < 1 || budgetNanos < 1) throw new IllegalArgumentException("trips and budgetNanos must be positive");
        if (Runtime.getRuntime().availableProcessors() < 2) return OptionalDouble.empty();
        AtomicLong ball = new AtomicLong();       // odd: the partner's turn, even: ours
        Thread partner = new Thread(() -> {
            for (long seen = 1; ; seen += 2) {
                long v;
                while ((v = ball.get()) != seen) {
                    if (v < 0) return;
                    Thread.onSpinWait();
                }
                if (!ball.compareAndSet(seen, seen + 1)) return;   // the prober ended the probe (-1)
            }
        }, "kiln-core-round-trip");
        partner.setDaemon(true);
        partner.start();
        try {
            if (!serve(ball, 1, budgetNanos)) return OptionalDouble.empty();   // the partner is up: untimed
            long start = System.nanoTime(), done = 0, next = 2;
            double best = Double.POSITIVE_INFINITY;
            while (done < trips && System.nanoTime() - start < budgetNanos) {
                long batch = Math.min(BATCH, trips - done), t0 = System.nanoTime();
                for (long i = 0; i < batch; i++, next += 2) {
                    if (!serve(ball, next + 1, budgetNanos)) return OptionalDouble.empty();
                }
                best = Math.min(best, (double) (System.nanoTime() - t0) / batch);
                done += batch;
            }
            return OptionalDouble.of(best);
        } finally {
            ball.set(-1);
        }
    }

    // one round trip: hands the ball over (odd value `odd`) and waits for it back (odd + 1); false when it does not
    // come back within budgetNanos
    private static boolean serve(AtomicLong ball, long odd, long budgetNanos) {
        ball.set(odd);
        long started = 0;
        for (int spins = 1; ball.get() != odd + 1; spins++) {
            Thread.onSpinWait();
            if ((spins & 1023) == 0) {
                long now = System.nanoTime();
                if (started == 0) started = now;
                else if (now - started > budgetNanos) return false;
            }
        }
        return true;
    }
}
