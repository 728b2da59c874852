package dev.kiln.api.rl;

import dev.kiln.api.objective.StepWorkers;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * GRPO's {@code scale_rewards: batch} divides by the standard deviation of the whole global batch: two workers,
 * each holding half the groups, get the advantages one process gets for all of them (TRL gathers the rewards).
 */
class BatchScaleOverWorkersTest {

    /** Two threads summing arrays through a barrier, as the workers' ring does. */
    static final class TwoWorkers implements StepWorkers.Sum {
        private float[] total;
        private final CyclicBarrier arrived = new CyclicBarrier(2), read = new CyclicBarrier(2, () -> total = null);

        @Override public int count() { return 2; }

        @Override
        public void sum(float[] values) {
            try {
                synchronized (this) {
                    if (total == null) total = values.clone();
                    else for (int i = 0; i < values.length; i++) total[i] += values[i];
                }
                arrived.await();
                System.arraycopy(total, 0, values, 0, values.length);
                read.await();                                  // both have read: the barrier's action clears the total
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    @Test
    void twoWorkersScaleByTheStdOfBothHalves() throws Exception {
        double[] all = {0.1, 0.9, 0.4, 0.4, 2.5, 3.5, 1.0, 0.0};     // four groups of two; the halves' spreads differ
        double[] first = java.util.Arrays.copyOfRange(all, 0, 4), second = java.util.Arrays.copyOfRange(all, 4, 8);
        double[] alone = Advantages.grpo(all, 2, Advantages.Scale.BATCH);
        TwoWorkers ring = new TwoWorkers();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<double[]> a = pool.submit(() -> StepWorkers.during(ring, () -> Advantages.grpo(first, 2, Advantages.Scale.BATCH)));
            Future<double[]> b = pool.submit(() -> StepWorkers.during(ring, () -> Advantages.grpo(second, 2, Advantages.Scale.BATCH)));
            double[] mine0 = a.get(), mine1 = b.get();
            for (int i = 0; i < 4; i++) {
                assertEquals(alone[i], mine0[i], 1e-5, "worker 0, completion " + i);
                assertEquals(alone[4 + i], mine1[i], 1e-5, "worker 1, completion " + i);
            }
            double[] ownHalf = Advantages.grpo(second, 2, Advantages.Scale.BATCH);
            assertTrue(Math.abs(ownHalf[0] - alone[4]) > 0.01, "a worker's own half alone scales differently: " + ownHalf[0] + " vs " + alone[4]);
        } finally {
            pool.shutdownNow();
        }
    }
}
