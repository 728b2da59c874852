package dev.kiln.runtime.parallel;

import dev.kiln.runtime.train.StopRequest;
import dev.kiln.runtime.train.TrainingInterruptedException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Replicas in one JVM summing in shared memory: the sums themselves, a whole training run against one worker with
 * the whole batch (as {@link DataParallelTrainingTest} checks the TCP ring), and what happens when a replica fails
 * or leaves early.
 */
class ReplicasTest {
    @Test
    void everyWorkerGetsTheRankOrderSumOfEveryArray() throws Exception {
        for (int world : new int[] {2, 3}) {
            float[][][] inputs = new float[world][][];
            SplittableRandom rng = new SplittableRandom(world);
            for (int r = 0; r < world; r++) {
                inputs[r] = new float[][] {new float[1], new float[7], new float[1_001]};
                for (float[] a : inputs[r]) for (int k = 0; k < a.length; k++) a[k] = (float) rng.nextGaussian();
            }
            float[][] want = new float[3][];
            for (int a = 0; a < 3; a++) {
                want[a] = new float[inputs[0][a].length];
                for (int k = 0; k < want[a].length; k++) {
                    float s = inputs[0][a][k];
                    for (int r = 1; r < world; r++) s += inputs[r][a][k];
                    want[a][k] = s;
                }
            }
            float[][][] got = new float[world][][];
            for (int r = 0; r < world; r++) got[r] = new float[][] {inputs[r][0].clone(), inputs[r][1].clone(), inputs[r][2].clone()};
            List<Integer> ranks = Replicas.run(world, (rank, w) -> {
                SharedMemoryCollective c = (SharedMemoryCollective) collectiveOf(rank, w);
                c.allReduceSum(got[rank]);
                c.allReduceSum(got[rank]);   // twice: the second sum starts only after every slice of the first was written
                return rank;
            });
            assertEquals(List.of(0, 1, 2).subList(0, world), ranks);
            for (int r = 0; r < world; r++)
                for (int a = 0; a < 3; a++) {
                    float[] twice = new float[want[a].length];
                    for (int k = 0; k < twice.length; k++) twice[k] = want[a][k] * world;   // the sum of world equal sums
                    assertArrayEquals(twice, got[r][a], 1e-4f * world, world + " workers, worker " + r + ", array " + a);
                    assertArrayEquals(got[0][a], got[r][a], 0f, "worker " + r + " must hold worker 0's bits");
                }
        }
    }

    @Test
    void twoReplicasWithHalfTheBatchTrainAsOneWithTheWholeBatch() throws Exception {
        TinyDataParallelRun.Result one = TinyDataParallelRun.train();
        List<TinyDataParallelRun.Result> two = Replicas.run(2, (rank, world) -> TinyDataParallelRun.train());
        assertTrue(one.losses().get(TinyDataParallelRun.STEPS - 1) < one.losses().get(0) - 0.3, "the model should learn: " + one.losses());
        for (int s = 0; s < TinyDataParallelRun.STEPS; s++)
            for (TinyDataParallelRun.Result w : two) {
                assertEquals(one.losses().get(s), w.losses().get(s), 1e-4 * Math.abs(one.losses().get(s)), "loss at step " + (s + 1));
                assertEquals(one.tokens().get(s), w.tokens().get(s), "tokens at step " + (s + 1));
            }
        List<TinyDataParallelRun.Result> again = Replicas.run(2, (rank, world) -> TinyDataParallelRun.train());
        for (var e : one.weights().entrySet()) {
            float[] a = e.getValue(), b0 = two.get(0).weights().get(e.getKey()), b1 = two.get(1).weights().get(e.getKey());
            assertArrayEquals(b0, b1, 0f, e.getKey() + ": the replicas must hold the same bits");
            assertArrayEquals(b0, again.get(0).weights().get(e.getKey()), 0f, e.getKey() + ": the same bits run to run");
            for (int i = 0; i < a.length; i++)
                assertEquals(a[i], b0[i], 1e-4 + 1e-3 * Math.abs(a[i]), e.getKey() + "[" + i + "] after " + TinyDataParallelRun.STEPS + " steps");
        }
    }

    /** 2 rows over 3 replicas: replica 2 holds a padding repeat of row 0 that must count for nothing. */
    @Test
    void threeReplicasWithAPaddingOneTrainAsOne() throws Exception {
        TinyDataParallelRun.Result one = TinyDataParallelRun.train(2);
        List<TinyDataParallelRun.Result> three = Replicas.run(3, (rank, world) -> TinyDataParallelRun.train(2));
        for (int s = 0; s < TinyDataParallelRun.STEPS; s++)
            for (TinyDataParallelRun.Result w : three)
                assertEquals(one.losses().get(s), w.losses().get(s), 1e-4 * one.losses().get(s), "step " + (s + 1));
        for (var e : one.weights().entrySet()) {
            float[] a = e.getValue(), b = three.get(2).weights().get(e.getKey());
            for (int i = 0; i < a.length; i++) assertEquals(a[i], b[i], 1e-4 + 1e-3 * Math.abs(a[i]), e.getKey() + "[" + i + "]");
        }
    }

    @Test
    void aFailingReplicaStopsTheOthersAndItsErrorIsTheOneThrown() {
        Exception e = assertThrows(IllegalStateException.class, () -> Replicas.run(2, (rank, world) -> {
            if (rank == 1) throw new IllegalStateException("replica 1 broke");
            SharedMemoryCollective c = (SharedMemoryCollective) collectiveOf(rank, world);
            c.allReduceSum(new float[4]);   // waits for replica 1, which never comes
            return rank;
        }));
        assertEquals("replica 1 broke", e.getMessage());
        assertEquals(1, e.getSuppressed().length, "replica 0's own stop rides along");
        assertInstanceOf(SharedMemoryCollective.WorkerGone.class, e.getSuppressed()[0]);
        assertTrue(e.getSuppressed()[0].getMessage().contains("worker 1 failed"), e.getSuppressed()[0].getMessage());
    }

    @Test
    void aReplicaThatEndsEarlyOrSumsOtherArraysIsAnErrorNotAHang() {
        Exception early = assertThrows(SharedMemoryCollective.WorkerGone.class, () -> Replicas.run(2, (rank, world) -> {
            if (rank == 0) collectiveOf(rank, world).allReduceSum(new float[3]);
            return rank;
        }));
        assertTrue(early.getMessage().contains("worker 1 ended while another was still waiting for it"), early.getMessage());
        Exception gather = assertThrows(SharedMemoryCollective.WorkerGone.class, () -> Replicas.run(2, (rank, world) -> {
            if (rank == 0) ((SharedMemoryCollective) collectiveOf(rank, world)).allGather("an evaluation's parts");
            return rank;
        }));
        assertTrue(gather.getMessage().contains("worker 1 ended while another was still waiting for it (the workers ran different"
                + " numbers of steps or evaluations)"), gather.getMessage());
        Exception layout = assertThrows(IllegalStateException.class, () -> Replicas.run(2, (rank, world) -> {
            collectiveOf(rank, world).allReduceSum(new float[rank == 0 ? 5 : 6]);
            return rank;
        }));
        assertTrue(layout.getMessage().contains("workers 0 and 1 passed different arrays to sum: 1 arrays of lengths [5] against"
                + " 1 arrays of lengths [6]"), layout.getMessage());
    }

    /**
     * A stop request (a signal) that one replica sees before the other: rank 1 asks after step 5 while rank 0 is still
     * busy with it. Each replica votes in its next sum, so both stop after step 6 and rank 0, the one that writes,
     * saves the checkpoint the request asks for. Acting on the request as each sees it, rank 1 would stop alone (and
     * claim a checkpoint only rank 0 can write) and rank 0, finding it consumed, would train on into a sum nobody joins.
     */
    @Test
    void aStopThatOneReplicaSeesFirstStopsBothAfterTheSameStepAndRankZeroSaves(@TempDir Path checkpoints) {
        try {
            TrainingInterruptedException e = assertThrows(TrainingInterruptedException.class, () -> Replicas.run(2, (rank, world) ->
                    TinyDataParallelRun.train(checkpoints, 0, step -> {
                        if (step != 5) return;
                        if (rank == 1) StopRequest.request("a test signal", true);
                        else sleep(300);
                    })));
            assertEquals("interrupted by a test signal at step 6; saved a checkpoint at step 6; resume with the same --out", e.getMessage());
            assertEquals(1, e.getSuppressed().length, "rank 1 stopped after the same step");
            assertInstanceOf(TrainingInterruptedException.class, e.getSuppressed()[0]);
            assertTrue(Files.isDirectory(checkpoints.resolve("step-000006")), "rank 0 saved step 6");
        } finally {
            StopRequest.clear();
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The collective of the replica running on this thread. */
    private static Collective collectiveOf(int rank, int world) {
        DataParallel dp = DataParallel.current();
        assertEquals(rank, dp.rank());
        assertEquals(world, dp.world());
        return dp.collective();
    }
}
