package dev.kiln.backend.cpu;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The spinning team: every index once, nested and concurrent calls inline, failures reach the caller, close ends it. */
class ParallelTest {

    static void assertEachOnce(AtomicIntegerArray seen, String what) {
        for (int i = 0; i < seen.length(); i++) assertEquals(1, seen.get(i), what + ": index " + i);
    }

    @Test
    void everyIndexOnceForManyShapesOfWork() {
        try (Parallel par = new Parallel(3)) {
            for (int n : new int[] {0, 1, 2, 3, 7, 100, 10_007}) {
                for (int grain : new int[] {1, 4, 5000}) {
                    AtomicIntegerArray seen = new AtomicIntegerArray(n);
                    par.range(n, grain, (from, to) -> { for (int i = from; i < to; i++) seen.incrementAndGet(i); });
                    assertEachOnce(seen, "range n=" + n + " grain=" + grain);
                }
                AtomicIntegerArray seen = new AtomicIntegerArray(n);
                par.each(n, seen::incrementAndGet);
                assertEachOnce(seen, "each n=" + n);
            }
            for (int rep = 0; rep < 2000; rep++) {   // many back-to-back fan-outs, as a training step makes
                AtomicIntegerArray seen = new AtomicIntegerArray(64);
                par.range(64, 1, (from, to) -> { for (int i = from; i < to; i++) seen.incrementAndGet(i); });
                assertEachOnce(seen, "rep " + rep);
            }
        }
    }

    @Test
    void guidedCoversEveryIndexOnceInShrinkingChunks() {
        for (int threads : new int[] {1, 2, 3}) {
            try (Parallel par = new Parallel(threads)) {
                for (int n : new int[] {0, 1, 5, 171, 1000}) {
                    for (int min : new int[] {1, 2, 7}) {
                        String what = "guided threads=" + threads + " n=" + n + " min=" + min;
                        AtomicIntegerArray seen = new AtomicIntegerArray(n);
                        List<int[]> chunks = Collections.synchronizedList(new ArrayList<>());
                        par.guided(n, min, (from, to) -> {
                            chunks.add(new int[] {from, to});
                            for (int i = from; i < to; i++) seen.incrementAndGet(i);
                        });
                        assertEachOnce(seen, what);
                        chunks.sort(Comparator.comparingInt(c -> c[0]));
                        for (int c = 0; c < chunks.size(); c++) {
                            int[] ch = chunks.get(c);
                            int left = n - ch[0], size = ch[1] - ch[0];
                            // half an even share of what was left when it was claimed, at least min (or the rest)
                            assertEquals(Math.min(left, Math.max(min, left / (2 * threads))), size, what + ": chunk " + c);
                        }
                        int[] last = chunks.isEmpty() ? null : chunks.get(chunks.size() - 1);
                        if (n >= 1000) assertTrue(last[1] - last[0] <= min, what + ": ends in a chunk of at most min");
                    }
                }
            }
        }
    }

    @Test
    void nestedCallsRunInline() {
        try (Parallel par = new Parallel(2)) {
            AtomicIntegerArray seen = new AtomicIntegerArray(40);
            par.range(4, 1, (from, to) -> {
                for (int outer = from; outer < to; outer++) {
                    int o = outer;
                    par.range(10, 1, (f, t) -> { for (int i = f; i < t; i++) seen.incrementAndGet(o * 10 + i); });
                }
            });
            assertEachOnce(seen, "nested");
        }
    }

    @Test
    void aFailingChunkReachesTheCaller() {
        try (Parallel par = new Parallel(2)) {
            IllegalStateException boom = new IllegalStateException("chunk 1 failed");
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> par.range(100, 1, (from, to) -> { if (from > 0) throw boom; }));
            assertSame(boom, e);
            AtomicIntegerArray seen = new AtomicIntegerArray(10);   // and the team still works
            par.range(10, 1, (from, to) -> { for (int i = from; i < to; i++) seen.incrementAndGet(i); });
            assertEachOnce(seen, "after a failure");
        }
    }

    @Test
    void concurrentCallersEachGetTheirWorkDone() throws Exception {
        try (Parallel par = new Parallel(2)) {
            ExecutorService callers = Executors.newFixedThreadPool(3);
            CountDownLatch go = new CountDownLatch(1);
            List<Future<AtomicIntegerArray>> results = new ArrayList<>();
            for (int c = 0; c < 3; c++) {
                results.add(callers.submit(() -> {
                    go.await();
                    AtomicIntegerArray seen = new AtomicIntegerArray(5000);
                    for (int rep = 0; rep < 200; rep++)
                        par.range(5000, 1, (from, to) -> { for (int i = from; i < to; i++) seen.incrementAndGet(i); });
                    return seen;
                }));
            }
            go.countDown();
            for (Future<AtomicIntegerArray> f : results) {
                AtomicIntegerArray seen = f.get();
                for (int i = 0; i < seen.length(); i++) assertEquals(200, seen.get(i), "index " + i);
            }
            callers.shutdown();
        }
    }

    @Test
    void closeEndsTheWorkers() throws Exception {
        Parallel par = new Parallel(3);
        par.range(10, 1, (from, to) -> {});
        par.close();
        long deadline = System.currentTimeMillis() + 5000;
        boolean alive = true;
        while (alive && System.currentTimeMillis() < deadline) {
            alive = Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().startsWith(par.name() + "-") && t.isAlive());
            if (alive) Thread.sleep(20);
        }
        assertFalse(alive, "worker threads still running after close");
    }
}
