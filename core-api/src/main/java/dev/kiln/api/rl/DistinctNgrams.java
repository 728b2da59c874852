package dev.kiln.api.rl;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * distinct-n (Li et al., 2016): the share of a corpus's token n-grams that are unique, pooled over every
 * completion (an n-gram never spans two completions). A policy that repeats what the reward model likes
 * ("intelligent , intelligent , …") scores low however fluent each token is. {@code kiln sample} reports
 * it, and online-RL signals log {@code completions/distinct_2} per batch ({@link Rollout#completionMetrics}).
 */
public final class DistinctNgrams {
    private DistinctNgrams() {}

    /** Unique n-grams / n-grams over {@code completions} (token ids); 0 when there is no n-gram. */
    public static double of(List<int[]> completions, int n) {
        if (n < 1) throw new IllegalArgumentException("n must be >= 1, got " + n);
        Set<List<Integer>> unique = new HashSet<>();
        long total = 0;
        for (int[] c : completions)
            for (int i = 0; i + n <= c.length; i++) {
                unique.add(Arrays.stream(c, i, i + n).boxed().toList());
                total++;
            }
        return total == 0 ? 0 : unique.size() / (double) total;
    }
}
