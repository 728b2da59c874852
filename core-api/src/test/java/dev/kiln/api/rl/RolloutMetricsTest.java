package dev.kiln.api.rl;

import dev.kiln.api.reward.Completion;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** A rollout's completion metrics by hand: lengths count the EOS of a finished completion, bigrams never span two. */
class RolloutMetricsTest {

    @Test
    void lengthsClippedShareAndDistinctBigrams() {
        int[][] prompts = {{1, 2}, {3}, {4}};
        int[][] completions = {{6, 7, 6, 7}, {6, 7}, {8}};
        boolean[] finished = {true, false, true};
        List<Completion> scored = List.of(new Completion("p", "a", prompts[0], completions[0], true),
                new Completion("p", "b", prompts[1], completions[1], false), new Completion("p", "c", prompts[2], completions[2], true));
        Map<String, Double> m = Rollout.of(prompts, completions, finished, 0, scored).completionMetrics();
        assertEquals((5 + 2 + 2) / 3.0, m.get("completions/mean_length"), 1e-12);   // 4 + EOS, 2 (cut), 1 + EOS
        assertEquals(2.0, m.get("completions/min_length"));
        assertEquals(5.0, m.get("completions/max_length"));
        assertEquals(1 / 3.0, m.get("completions/clipped_ratio"), 1e-12);
        assertEquals(2 / 4.0, m.get("completions/distinct_2"), 1e-12);              // 67 76 67 | 67: {67, 76} of 4
    }
}
