package dev.kiln.runtime.parallel;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * N workers × batch B/N train the same model as 1 worker × batch B (dropout off): the same loss at every
 * step and the same weights at the end, within float tolerance (the workers' sums are added in another
 * order). Workers are threads joined by the real TCP ring, each with its own backend and model.
 */
class DataParallelTrainingTest {
    @Test
    void twoWorkersWithHalfTheBatchTrainAsOneWithTheWholeBatch() throws Exception {
        TinyDataParallelRun.Result one = TinyDataParallelRun.train();
        List<TinyDataParallelRun.Result> two = LocalRing.run(2, ring -> new DataParallel(ring).run(TinyDataParallelRun::train));
        assertTrue(one.losses().get(TinyDataParallelRun.STEPS - 1) < one.losses().get(0) - 0.3, "the model should learn: " + one.losses());
        for (int s = 0; s < TinyDataParallelRun.STEPS; s++) {
            double want = one.losses().get(s);
            for (TinyDataParallelRun.Result w : two) {
                assertEquals(want, w.losses().get(s), 1e-4 * Math.abs(want), "loss at step " + (s + 1));
                // each worker trained on half the rows: the summed token count is the global batch's, not twice it
                assertEquals(one.tokens().get(s), w.tokens().get(s), "tokens at step " + (s + 1));
            }
        }
        for (var e : one.weights().entrySet()) {
            float[] a = e.getValue(), b0 = two.get(0).weights().get(e.getKey()), b1 = two.get(1).weights().get(e.getKey());
            for (int i = 0; i < a.length; i++) {
                assertEquals(b0[i], b1[i], 0f, e.getKey() + "[" + i + "]: the workers must hold the same bits");
                assertEquals(a[i], b0[i], 1e-4 + 1e-3 * Math.abs(a[i]), e.getKey() + "[" + i + "] after " + TinyDataParallelRun.STEPS + " steps");
            }
        }
    }

    @Test
    void fourWorkersSummingSmallBucketsDuringBackwardTrainAsOne() throws Exception {
        TinyDataParallelRun.Result one = TinyDataParallelRun.train();
        long[] sent = new long[4];
        // buckets of 64 then 512 floats: the tiny model's gradients go out in many pieces while backward runs
        List<TinyDataParallelRun.Result> four = LocalRing.run(4, ring -> {
            DataParallel dp = new DataParallel(ring, 64, 512);
            TinyDataParallelRun.Result r = dp.run(TinyDataParallelRun::train);
            sent[ring.rank()] = dp.bucketsSentDuringBackward();
            return r;
        });
        for (int s = 0; s < TinyDataParallelRun.STEPS; s++)
            for (TinyDataParallelRun.Result w : four)
                assertEquals(one.losses().get(s), w.losses().get(s), 1e-4 * Math.abs(one.losses().get(s)), "loss at step " + (s + 1));
        for (var e : one.weights().entrySet()) {
            float[] a = e.getValue();
            for (int k = 1; k < 4; k++) assertArrayEquals(four.get(0).weights().get(e.getKey()), four.get(k).weights().get(e.getKey()), e.getKey());
            float[] b = four.get(0).weights().get(e.getKey());
            for (int i = 0; i < a.length; i++) assertEquals(a[i], b[i], 1e-4 + 1e-3 * Math.abs(a[i]), e.getKey() + "[" + i + "]");
        }
        for (int r = 0; r < 4; r++)
            assertTrue(sent[r] >= TinyDataParallelRun.STEPS, "worker " + r + " sent " + sent[r] + " buckets during backward in "
                    + TinyDataParallelRun.STEPS + " steps: the all-reduce did not overlap backward");
    }

    /**
     * Batches that do not split evenly: 5 rows over 2 workers (3 and 2, the trainer weighs them), and 2 rows over 3
     * workers, where worker 2 holds a padding repeat of row 0 that must count for nothing (else row 0 would count twice).
     */
    @Test
    void unevenSplitsAndAPaddingWorkerTrainAsOne() throws Exception {
        for (int[] c : new int[][] {{2, 5}, {3, 2}}) {
            int world = c[0], batch = c[1];
            TinyDataParallelRun.Result one = TinyDataParallelRun.train(batch);
            List<TinyDataParallelRun.Result> workers = LocalRing.run(world, ring -> new DataParallel(ring).run(() -> TinyDataParallelRun.train(batch)));
            for (int s = 0; s < TinyDataParallelRun.STEPS; s++)
                for (TinyDataParallelRun.Result w : workers) {
                    assertEquals(one.losses().get(s), w.losses().get(s), 1e-4 * one.losses().get(s), world + " workers, batch " + batch + ", step " + (s + 1));
                    assertEquals(one.tokens().get(s), w.tokens().get(s), "tokens at step " + (s + 1));
                }
            for (var e : one.weights().entrySet()) {
                float[] a = e.getValue(), b = workers.get(world - 1).weights().get(e.getKey());
                for (int i = 0; i < a.length; i++) assertEquals(a[i], b[i], 1e-4 + 1e-3 * Math.abs(a[i]), e.getKey() + "[" + i + "], " + world + " workers");
            }
        }
    }
}
