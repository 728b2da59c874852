package dev.kiln.runtime.parallel;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** The objective's batch metrics are summed over the workers when they all report the same names, and kept apart when not. */
class StepMetricsTest {
    @Test
    void sameNamesAreSummedOnEveryWorker() throws Exception {
        List<Map<String, Double>> out = LocalRing.run(3, ring -> {
            Map<String, Double> m = new LinkedHashMap<>();
            m.put("accuracy", 0.5 * (ring.rank() + 1));   // weighted sums: 0.5, 1.0, 1.5
            m.put("rewards/margins", -1.0 * ring.rank());
            assertTrue(new DataParallel(ring).sumMetrics(m));
            return m;
        });
        for (Map<String, Double> m : out) {
            assertEquals(3.0, m.get("accuracy"), 1e-6);
            assertEquals(-3.0, m.get("rewards/margins"), 1e-6);
        }
    }

    @Test
    void differentNamesOrCountsLeaveEachWorkerItsOwnOnEveryWorker() throws Exception {
        // counts 1, 2, 3: the middle worker's count is the mean, so comparing one's own count with the mean would split the workers
        List<Map<String, Double>> out = LocalRing.run(3, ring -> {
            Map<String, Double> m = new LinkedHashMap<>();
            for (int k = 0; k <= ring.rank(); k++) m.put("m" + k, (double) ring.rank());
            assertFalse(new DataParallel(ring).sumMetrics(m), "worker " + ring.rank());
            return m;
        });
        assertEquals(Map.of("m0", 1.0, "m1", 1.0), out.get(1));
        List<Map<String, Double>> renamed = LocalRing.run(2, ring -> {
            Map<String, Double> m = new LinkedHashMap<>(Map.of(ring.rank() == 0 ? "accuracy" : "loss_b", 1.0));
            assertFalse(new DataParallel(ring).sumMetrics(m));
            return m;
        });
        assertEquals(1.0, renamed.get(0).get("accuracy"));
    }
}
