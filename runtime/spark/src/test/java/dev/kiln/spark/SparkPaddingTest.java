package dev.kiln.spark;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Three workers and a batch of two examples: worker 2 holds a padding repeat of example 0, which must count for
 * nothing, neither in the gradients nor in the statistics a loss sums over the workers.
 */
class SparkPaddingTest extends LocalSparkTest {
    @Override
    String master() { return "local[3]"; }

    /**
     * GRPO with {@code scale_rewards: batch}: 10 prompts in batches of 4, each used twice, so steps 5, 6, 11 and 12 hold two prompts and worker 2
     * repeats prompt 0 (sampling what worker 0 samples for it). Its rewards must not enter the batch's standard
     * deviation: with them the advantages, and from the second iteration on each rollout the loss, would differ.
     */
    @Test
    void aPaddingWorkerAddsNothingToTheBatchsRewardStatistics(@TempDir Path dir) throws Exception {
        Path base = SparkObjectivesTest.base(dir);
        StringBuilder rows = new StringBuilder();
        for (int i = 0; i < 10; i++) rows.append("{\"prompt\": \"").append(SparkObjectivesTest.WORDS[i]).append(" \"}\n");
        Files.writeString(dir.resolve("prompts.jsonl"), rows);
        Map<String, Object> signal = Map.of("name", "grpo", "num_generations", 4, "num_iterations", 2, "max_completion_length", 6,
                "scale_rewards", "batch", "shuffle", false, "rewards", List.of(Map.of("name", "format", "pattern", "[aeiou]")));
        SparkObjectivesTest.sameRun(sc, 3, dir, "grpo", "finetune", SparkObjectivesTest.finetune(base, signal, "prompts.jsonl", 4, 12), 12, "reward");
    }
}
