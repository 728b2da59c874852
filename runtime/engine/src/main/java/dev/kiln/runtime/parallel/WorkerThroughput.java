package dev.kiln.runtime.parallel;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The {@code workers} entry of a data-parallel train record: each worker's tokens, compute time and throughput. */
public final class WorkerThroughput {
    private WorkerThroughput() {}

    /**
     * @param sums         the step's all-reduced scalars: [3, 3 + world) each worker's tokens, then each one's compute seconds
     * @param allReduceS   this worker's all-reduce time for the step (copies included)
     */
    public static List<Map<String, Object>> of(double[] sums, int world, double allReduceS, int rank) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (int r = 0; r < world; r++) {
            double tokens = sums[3 + r], seconds = sums[3 + world + r];
            Map<String, Object> w = new LinkedHashMap<>();
            w.put("rank", r);
            w.put("tokens", (long) tokens);
            w.put("compute_s", seconds);
            w.put("tokens_per_s", seconds > 0 ? tokens / seconds : 0.0);
            if (r == rank) w.put("allreduce_s", allReduceS);
            out.add(w);
        }
        return out;
    }
}
