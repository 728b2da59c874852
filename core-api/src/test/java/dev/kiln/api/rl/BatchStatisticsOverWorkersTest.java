package dev.kiln.api.rl;

import dev.kiln.api.objective.StepWorkers;
import dev.kiln.api.objective.ThreadWorkers;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Statistics of the whole global batch computed by data-parallel workers that each hold part of it: GRPO's
 * {@code scale_rewards: batch}, PPO's whitening and RLOO's normalized advantages give each worker what one process
 * holding every row computes (TRL gathers across processes), and a padding worker adds nothing.
 */
class BatchStatisticsOverWorkersTest {

    @Test
    void twoWorkersScaleByTheStdOfBothHalves() throws Exception {
        double[] all = {0.1, 0.9, 0.4, 0.4, 2.5, 3.5, 1.0, 0.0};     // four groups of two; the halves' spreads differ
        double[] first = Arrays.copyOfRange(all, 0, 4), second = Arrays.copyOfRange(all, 4, 8);
        double[] alone = Advantages.grpo(all, 2, Advantages.Scale.BATCH);
        List<double[]> mine = new ThreadWorkers(2).run(r -> () -> Advantages.grpo(r == 0 ? first : second, 2, Advantages.Scale.BATCH));
        for (int i = 0; i < 4; i++) {
            assertEquals(alone[i], mine.get(0)[i], 1e-5, "worker 0, completion " + i);
            assertEquals(alone[4 + i], mine.get(1)[i], 1e-5, "worker 1, completion " + i);
        }
        double[] ownHalf = Advantages.grpo(second, 2, Advantages.Scale.BATCH);
        assertTrue(Math.abs(ownHalf[0] - alone[4]) > 0.01, "a worker's own half alone scales differently: " + ownHalf[0] + " vs " + alone[4]);
    }

    @Test
    void ppoWhitensOverEveryWorkersMaskedTokens() throws Exception {
        // two completions of 4 positions per worker; masked-off positions take no part
        float[] all = {0.5f, -1f, 2f, 0f, 3f, 3.5f, 0f, 0f, -2f, 0.25f, 1f, 7f, 4f, 0f, 0f, 0f};
        float[] mask = {1, 1, 1, 0, 1, 1, 0, 0, 1, 1, 1, 1, 1, 0, 0, 0};
        for (boolean shift : new boolean[] {true, false}) {
            float[] alone = Gae.whiten(all, mask, shift);
            List<float[]> mine = new ThreadWorkers(2).run(r -> () -> Gae.whiten(Arrays.copyOfRange(all, 8 * r, 8 * r + 8),
                    Arrays.copyOfRange(mask, 8 * r, 8 * r + 8), shift));
            for (int k = 0; k < all.length; k++)
                assertEquals(alone[k], mine.get(k / 8)[k % 8], 1e-5, "position " + k + (shift ? "" : ", mean kept"));
            float[] ownHalf = Gae.whiten(Arrays.copyOfRange(all, 8, 16), Arrays.copyOfRange(mask, 8, 16), shift);
            assertTrue(Math.abs(ownHalf[0] - alone[8]) > 0.01, "a worker's half alone whitens differently");
        }
    }

    @Test
    void rlooNormalizesOverEveryWorkersAdvantages() throws Exception {
        double[] all = {1.0, -0.5, 0.25, 3.0, -2.0, 0.0};
        double[] alone = Advantages.whiten(all);
        List<double[]> mine = new ThreadWorkers(3).run(r -> () -> Advantages.whiten(Arrays.copyOfRange(all, 2 * r, 2 * r + 2)));
        for (int i = 0; i < all.length; i++) assertEquals(alone[i], mine.get(i / 2)[i % 2], 1e-5, "advantage " + i);
    }

    @Test
    void aPaddingWorkerTakesPartInTheSumsButAddsNothing() throws Exception {
        double[] real = {0.5, 2.0, -1.0}, repeat = {0.5};
        BatchMoments alone = BatchMoments.of(real);
        List<BatchMoments> mine = new ThreadWorkers(2).run(r -> () -> r == 0 ? BatchMoments.of(real)
                : StepWorkers.asPadding(() -> BatchMoments.of(repeat)));
        for (BatchMoments m : mine) {
            assertEquals(3, m.count(), 0);
            assertEquals(alone.mean(), m.mean(), 1e-6);
            assertEquals(alone.variance(), m.variance(), 1e-5);
        }
    }
}
