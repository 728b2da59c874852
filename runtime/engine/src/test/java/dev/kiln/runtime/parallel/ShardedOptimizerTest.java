package dev.kiln.runtime.parallel;

import dev.kiln.api.optim.ParamGroup;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.backend.cpu.CpuBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ZeRO-1 over replicas: the partition, and whole training runs whose weights, losses, gradient norms and gathered
 * optimizer state must be the unsharded replicas' bits, with each replica holding its share of the state.
 */
class ShardedOptimizerTest {
    @Test
    void theLargestParameterGoesFirstToTheReplicaWithTheFewestElements() {
        try (CpuBackend be = new CpuBackend(1)) {
            List<ParamGroup> groups = new ArrayList<>();
            int[] sizes = {10, 50, 30, 30, 5};
            for (int i = 0; i < sizes.length; i++) groups.add(new ParamGroup("p" + i, Tensor.zeros(be, sizes[i]), 1, 0));
            // 50 → 0; 30 → 1; 30 → 1 (30 < 50); 10 → 0 (50 < 60); 5 → 0 (a tie at 60: the lower rank)
            assertArrayEquals(new int[] {0, 0, 1, 1, 0}, ShardedOptimizer.partition(groups, 2));
            // 50 → 0; 30 → 1; 30 → 2; 10 → 1 (a tie at 30); 5 → 2 (30 < 40)
            assertArrayEquals(new int[] {1, 0, 1, 2, 2}, ShardedOptimizer.partition(groups, 3));
        }
    }

    @Test
    void shardedReplicasTrainToTheUnshardedReplicasBitsAndHoldTheirShareOfTheState() throws Exception {
        for (int world : new int[] {2, 3}) {
            int batch = world == 3 ? 2 : TinyDataParallelRun.BATCH;   // 3 replicas of 2 rows: one holds padding
            List<TinyDataParallelRun.Result> plain = Replicas.run(world, (rank, w) -> TinyDataParallelRun.train(batch));
            List<TinyDataParallelRun.Result> sharded = Replicas.run(world, (rank, w) -> TinyDataParallelRun.trainSharded(null, 0, -1, batch));
            TinyDataParallelRun.Result want = plain.get(0);
            assertTrue(want.gradNorms().stream().anyMatch(n -> n > 1.0), "grad_clip 1.0 must clip some steps: " + want.gradNorms());
            long shares = 0;
            for (int r = 0; r < world; r++) {
                TinyDataParallelRun.Result got = sharded.get(r);
                String who = world + " replicas, replica " + r;
                assertEquals(want.losses(), got.losses(), who + ": losses");
                assertEquals(want.gradNorms(), got.gradNorms(), who + ": gradient norms");
                for (var e : want.weights().entrySet()) assertArrayEquals(e.getValue(), got.weights().get(e.getKey()), 0f, who + ": " + e.getKey());
                assertEquals(want.optimizerState().keySet(), got.optimizerState().keySet(), who + ": the gathered state's names");
                for (var e : want.optimizerState().entrySet())
                    assertArrayEquals(e.getValue(), got.optimizerState().get(e.getKey()), 0f, who + ": " + e.getKey());
                // greedy, largest first: no share above an even one by more than the largest parameter's (AdamW: 8 bytes an element)
                long largest = 8L * want.weights().values().stream().mapToInt(a -> a.length).max().orElseThrow();
                assertTrue(got.optimizerStateBytes() <= want.optimizerStateBytes() / world + largest,
                        who + " holds " + got.optimizerStateBytes() + " bytes of " + want.optimizerStateBytes());
                shares += got.optimizerStateBytes();
            }
            assertEquals(want.optimizerStateBytes(), shares, world + " replicas: the shares add up to the whole state");
        }
    }

    /**
     * A checkpoint holds every replica's share: a run that fails after step 15 resumes from step 10 to the same bits, and
     * one plain worker resumes it too (the whole batch on one model: equal within float sums' order).
     */
    @Test
    void aShardedRunResumesFromItsCheckpointToTheUninterruptedBits(@TempDir Path whole, @TempDir Path broken, @TempDir Path plain)
            throws Exception {
        int batch = TinyDataParallelRun.BATCH;
        List<TinyDataParallelRun.Result> uninterrupted = Replicas.run(2, (rank, w) -> TinyDataParallelRun.trainSharded(whole, 10, -1, batch));
        Exception failed = assertThrows(IllegalStateException.class,
                () -> Replicas.run(2, (rank, w) -> TinyDataParallelRun.trainSharded(broken, 10, 15, batch)));
        assertEquals("injected failure after step 15", failed.getMessage());
        assertThrows(IllegalStateException.class, () -> Replicas.run(2, (rank, w) -> TinyDataParallelRun.trainSharded(plain, 10, 15, batch)));
        List<TinyDataParallelRun.Result> resumed = Replicas.run(2, (rank, w) -> TinyDataParallelRun.trainSharded(broken, 10, -1, batch));
        for (int r = 0; r < 2; r++) {
            assertEquals(10, resumed.get(r).startedAt(), "replica " + r + " resumed from step 10");
            assertEquals(uninterrupted.get(r).losses().subList(10, TinyDataParallelRun.STEPS), resumed.get(r).losses(), "replica " + r + ": losses");
            for (Map.Entry<String, float[]> e : uninterrupted.get(0).weights().entrySet())
                assertArrayEquals(e.getValue(), resumed.get(r).weights().get(e.getKey()), 0f, "replica " + r + ": " + e.getKey());
        }
        TinyDataParallelRun.Result alone = TinyDataParallelRun.train(plain, 10, -1);
        assertEquals(10, alone.startedAt(), "the plain worker resumed from step 10");
        for (Map.Entry<String, float[]> e : uninterrupted.get(0).weights().entrySet()) {
            float[] want = e.getValue(), got = alone.weights().get(e.getKey());
            for (int i = 0; i < want.length; i++)
                assertEquals(want[i], got[i], 1e-4 + 1e-3 * Math.abs(want[i]), "one worker from the replicas' checkpoint: " + e.getKey() + "[" + i + "]");
        }
    }
}
