package dev.kiln.spark;

import dev.kiln.runtime.parallel.TinyDataParallelRun;
import org.apache.spark.BarrierTaskContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * On Spark in local mode: two barrier tasks, each training with half of every global batch and summing
 * gradients over the TCP ring, give the losses and weights of one plain run with the whole batch.
 */
class SparkDataParallelTest extends LocalSparkTest {
    // two task slots, and a failed task may be retried (plain local[2] gives up at the first failure)
    @Override
    String master() { return "local[2,4]"; }

    @Test
    void twoBarrierTasksTrainAsOnePlainRun() {
        TinyDataParallelRun.Result one = TinyDataParallelRun.train();
        List<TinyDataParallelRun.Result> two = SparkDataParallel.run(sc, 2, (rank, world) -> TinyDataParallelRun.train(), 60_000);
        assertEquals(2, two.size());
        int steps = TinyDataParallelRun.STEPS;
        assertTrue(one.losses().get(steps - 1) < one.losses().get(0) - 0.3, "the model should learn: " + one.losses());
        for (int s = 0; s < steps; s++) {
            for (TinyDataParallelRun.Result w : two) {
                assertEquals(one.losses().get(s), w.losses().get(s), 1e-4 * Math.abs(one.losses().get(s)), "loss at step " + (s + 1));
                assertEquals(one.tokens().get(s), w.tokens().get(s), "tokens at step " + (s + 1));
            }
        }
        for (var e : one.weights().entrySet()) {
            float[] a = e.getValue(), b = two.get(1).weights().get(e.getKey());
            for (int i = 0; i < a.length; i++)
                assertEquals(a[i], b[i], 1e-4 + 1e-3 * Math.abs(a[i]), e.getKey() + "[" + i + "] after " + steps + " steps");
        }
    }

    @Test
    void aWorkerThatDiesIsRestartedWithItsStageAndResumesFromTheLastCheckpoint(@TempDir Path dir) {
        TinyDataParallelRun.Result uninterrupted = TinyDataParallelRun.train();
        String checkpoints = dir.toString();
        // worker 1 dies after step 17 in the stage's first attempt; rank 0 checkpointed at steps 5, 10 and 15
        List<TinyDataParallelRun.Result> resumed = SparkDataParallel.run(sc, 2, (rank, world) -> TinyDataParallelRun.train(
                Path.of(checkpoints), 5, rank == 1 && BarrierTaskContext.get().stageAttemptNumber() == 0 ? 17 : -1), 60_000);
        int steps = TinyDataParallelRun.STEPS;
        for (TinyDataParallelRun.Result w : resumed) {
            assertEquals(15, w.startedAt(), "the retried stage resumes from the checkpoint of step 15, not from scratch");
            assertEquals(steps - 15, w.losses().size());
            for (int s = 15; s < steps; s++)
                assertEquals(uninterrupted.losses().get(s), w.losses().get(s - 15), 1e-4 * uninterrupted.losses().get(s), "loss at step " + (s + 1));
        }
        for (var e : uninterrupted.weights().entrySet()) {
            float[] a = e.getValue(), b = resumed.get(0).weights().get(e.getKey());
            for (int i = 0; i < a.length; i++)
                assertEquals(a[i], b[i], 1e-4 + 1e-3 * Math.abs(a[i]), e.getKey() + "[" + i + "]: final weights after the restart");
        }
    }
}
