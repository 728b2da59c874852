package dev.kiln.runtime.parallel;

import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.util.List;
import java.util.function.IntFunction;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The TCP ring: sums over workers, identical on every worker, for lengths that do and do not divide into chunks. */
class RingAllReduceTest {

    /** Worker r contributes input.apply(r); each worker's result, by rank. */
    static List<float[]> reduce(int world, IntFunction<float[]> input) throws Exception {
        return LocalRing.run(world, ring -> {
            float[] data = input.apply(ring.rank());
            ring.allReduceSum(data);
            return data;
        });
    }

    @Test
    void sumsOverThreeWorkersAndEveryWorkerGetsTheSameBits() throws Exception {
        int n = 100_003;   // not a multiple of 3: chunks of 33,334 / 33,334 / 33,335
        List<float[]> out = reduce(3, r -> {
            float[] x = new float[n];
            for (int i = 0; i < n; i++) x[i] = (float) Math.sin(i * 0.001 + r) * (r + 1);
            return x;
        });
        for (int i = 0; i < n; i += 997) {
            float want = 0;
            for (int r = 0; r < 3; r++) want += (float) Math.sin(i * 0.001 + r) * (r + 1);
            assertEquals(want, out.get(0)[i], 1e-5f, "element " + i);
        }
        assertArrayEquals(out.get(0), out.get(1));
        assertArrayEquals(out.get(0), out.get(2));
    }

    @Test
    void fewerElementsThanWorkersAndOneWorker() throws Exception {
        List<float[]> out = reduce(4, r -> new float[] {r, 10 * r});   // two of the four chunks are empty
        for (float[] o : out) assertArrayEquals(new float[] {6, 60}, o);
        assertArrayEquals(new float[] {1, 2}, reduce(1, r -> new float[] {1, 2}).get(0));
    }

    @Test
    void aRankOutsideTheRingIsRefused() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            assertThrows(IllegalArgumentException.class, () -> new RingAllReduce(2, List.of("a:1", "b:2"), s, 100));
        }
    }
}
