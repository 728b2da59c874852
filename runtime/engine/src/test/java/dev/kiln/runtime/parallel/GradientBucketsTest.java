package dev.kiln.runtime.parallel;

import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.ops.Arithmetic;
import dev.kiln.api.ops.Reductions;
import dev.kiln.api.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Buckets of gradients summed over a real TCP ring, during backward or after it. */
class GradientBucketsTest {
    /** Three parameters of 3, 5 and 4 floats; worker r's loss Σ (r + 1)·(a + b) uses c only on worker 0. */
    static List<float[]> workerStep(RingAllReduce ring, boolean armed) {
        NaiveBackend be = new NaiveBackend();
        Tensor a = Tensor.zeros(be, 3).requiresGrad(true), b = Tensor.zeros(be, 5).requiresGrad(true), c = Tensor.zeros(be, 4).requiresGrad(true);
        // buckets, last parameters first: [c] (first bucket, 4 floats), then [b] and [a] (cap 5)
        GradientBuckets buckets = new GradientBuckets(ring, List.of(a, b, c), 4, 5);
        assertEquals(3, buckets.bucketCount());
        assertEquals(12, buckets.floats());
        if (armed) buckets.arm();
        float k = ring.rank() + 1;
        Tensor loss = Arithmetic.mulScalar(Arithmetic.add(Reductions.sum(a), Reductions.sum(b)), k);
        if (ring.rank() == 0) loss = Arithmetic.add(loss, Reductions.sum(c));
        loss.backward();
        float[] scalars = {k};
        GradientBuckets.Finished done = buckets.finish(scalars);
        // worker 0 completes every bucket during backward; on worker 1, c's bucket (the first) never completes, and the
        // buckets after it wait for it, so that both workers issue the same all-reduces in the same order
        assertEquals(armed && ring.rank() == 0 ? 3 : 0, done.sentDuringBackward());
        buckets.close();
        return List.of(a.grad().toArray(), b.grad().toArray(), c.grad().toArray(), scalars);
    }

    @Test
    void sumsEveryBucketOverTheWorkersWhetherSentDuringBackwardOrAfter() throws Exception {
        for (boolean armed : new boolean[] {true, false}) {
            List<List<float[]>> out = LocalRing.run(2, ring -> workerStep(ring, armed));
            for (List<float[]> w : out) {
                assertArrayEquals(new float[] {3, 3, 3}, w.get(0), "a: 1 + 2");
                assertArrayEquals(new float[] {3, 3, 3, 3, 3}, w.get(1), "b: 1 + 2");
                assertArrayEquals(new float[] {1, 1, 1, 1}, w.get(2), "c: worker 0's gradient, worker 1 takes part with zeros");
                assertArrayEquals(new float[] {3}, w.get(3), "the step's scalars are summed too");
            }
        }
    }
}
