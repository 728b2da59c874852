package dev.kiln.finetune.kto;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** TRL's KTO metric names: per-batch sums and counts, batch means for the training log, evaluation means as sum / count. */
class KtoMetricsTest {

    @Test
    void batchMetricsCarryTrlsSumsCountsAndMeans() {
        Map<String, Double> m = KtoMetrics.batch(0.4, 0.1, new float[] {0.5f, -0.25f, 0.1f}, new float[] {-1, -3, -2}, new float[] {2, 4, 6},
                new boolean[] {true, false, true});
        assertEquals(2.0, m.get("count/chosen"));
        assertEquals(1.0, m.get("count/rejected"));
        assertEquals(0.6, m.get("rewards/chosen_sum"), 1e-6);
        assertEquals(0.3, m.get("rewards/chosen"), 1e-6);
        assertEquals(-0.25, m.get("rewards/rejected"), 1e-6);
        assertEquals(0.55, m.get("rewards/margins"), 1e-6);
        assertEquals(-1.5, m.get("logps/chosen"), 1e-6);
        assertEquals(-3.0, m.get("logps/rejected"), 1e-6);
        assertEquals(4.0, m.get("logits/chosen"), 1e-6);
        assertEquals(0.1, m.get("kl"), 1e-9);
        assertEquals(0.4, m.get("loss"), 1e-9);
        Map<String, Double> onlyChosen = KtoMetrics.batch(0.4, 0, new float[] {0.5f}, new float[] {-1}, new float[] {2}, new boolean[] {true});
        assertFalse(onlyChosen.containsKey("rewards/rejected") || onlyChosen.containsKey("rewards/margins"), onlyChosen.toString());
        assertEquals(0.0, onlyChosen.get("count/rejected"));
    }

    @Test
    void finishDividesSumsByCountsAcrossBatches() {
        // two batches of 2 averaged with equal weight: batch 1 two desirable (rewards 1, 2), batch 2 one of each (3; −1)
        Map<String, Double> a = KtoMetrics.batch(0.2, 0, new float[] {1, 2}, new float[] {-1, -1}, new float[] {0, 0}, new boolean[] {true, true});
        Map<String, Double> b = KtoMetrics.batch(0.6, 0, new float[] {3, -1}, new float[] {-1, -2}, new float[] {0, 0}, new boolean[] {true, false});
        Map<String, Double> avg = new LinkedHashMap<>();
        for (String k : a.keySet()) if (b.containsKey(k)) avg.put(k, (a.get(k) + b.get(k)) / 2);
        for (String k : b.keySet()) if (!a.containsKey(k)) avg.put(k, b.get(k) / 2);   // evaluation divides by the total weight
        Map<String, Double> out = KtoMetrics.finish(avg);
        assertEquals(2.0, out.get("rewards/chosen"), 1e-9, "(1 + 2 + 3) / 3 desirable examples, not the mean of batch means (1.5, 3)");
        assertEquals(-1.0, out.get("rewards/rejected"), 1e-9);
        assertEquals(3.0, out.get("rewards/margins"), 1e-9);
        assertEquals(-2.0, out.get("logps/rejected"), 1e-9);
        assertEquals(0.4, out.get("loss"), 1e-9);
        assertTrue(out.keySet().stream().noneMatch(k -> k.endsWith("_sum")), out.keySet().toString());
        assertTrue(out.containsKey("count/chosen") && out.containsKey("kl"), out.keySet().toString());
    }
}
