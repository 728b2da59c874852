package dev.kiln.cli;

import dev.kiln.api.io.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static dev.kiln.cli.ModelDirectories.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code kiln finetune} with full + grpo end to end: grpo and the length and format reward plugins
 * load from plugins/, the signal's rewards are resolved by name with their weights, and the
 * training and evaluation records in metrics.jsonl carry TRL's metric names; {@code kiln plugins}
 * lists both rewards under the kind "reward".
 */
class GrpoCliTest {
    @TempDir
    Path tmp;

    @Test
    void fullPlusGrpoWithTwoRewardPluginsRunsAndLogsTrlMetrics() throws IOException {
        Path base = hfGpt2(tmp.resolve("base"));
        StringBuilder rows = new StringBuilder();
        for (int i = 0; i < 16; i++) rows.append(Json.write(Map.of("prompt", "say " + i + ":"))).append('\n');
        Path train = Files.writeString(tmp.resolve("prompts.jsonl"), rows);
        Path validation = Files.writeString(tmp.resolve("validation.jsonl"), rows.substring(0, rows.indexOf("\n", 60) + 1));
        Map<String, Object> settings = new HashMap<>(train(2));
        settings.put("batch_size", 2);
        Path cfg = config(tmp.resolve("grpo.json"), Map.of(
                "finetune", Map.of("from", base.toString(), "method", "full",
                        "signal", Map.of("name", "grpo", "num_generations", 4, "max_completion_length", 6,
                                "rewards", List.of(Map.of("name", "length", "target", 3, "weight", 0.5), Map.of("name", "format", "pattern", "[aeiou]")))),
                "data", Map.of("train", train.toString(), "validation", validation.toString()), "train", settings));
        Path run = tmp.resolve("run");
        Cli r = kiln("finetune", "--config", cfg.toString(), "--out", run.toString());
        assertEquals(0, r.code(), r.err());

        List<Map<String, Object>> evals = new ArrayList<>(), steps = new ArrayList<>();
        for (String line : Files.readAllLines(run.resolve("metrics.jsonl"))) {
            Map<String, Object> m = json(Files.writeString(tmp.resolve("line.json"), line));
            if ("eval".equals(m.get("type"))) evals.add(m);
            else if (m.containsKey("reward")) steps.add(m);
        }
        assertEquals(2, evals.size(), "before and after training: " + evals);
        assertFalse(steps.isEmpty(), "training records with the reward");
        for (Map<String, Object> e : evals) {
            for (String key : List.of("reward", "reward_std", "rewards/length/mean", "rewards/length/std", "rewards/format/mean",
                    "rewards/format/std", "clip_ratio/region_mean", "completions/mean_length", "completions/clipped_ratio", "entropy", "loss"))
                assertTrue(e.containsKey(key), key + " in " + e.keySet());
            double length = ((Number) e.get("rewards/length/mean")).doubleValue(), format = ((Number) e.get("rewards/format/mean")).doubleValue();
            assertEquals(0.5 * length + format, ((Number) e.get("reward")).doubleValue(), 1e-6, "the weighted sum of the two rewards");
        }
        assertTrue(Files.isRegularFile(run.resolve("model/config.json")));

        Cli plugins = kiln("plugins");
        assertEquals(0, plugins.code(), plugins.err());
        for (String name : List.of("length", "format"))
            assertTrue(plugins.out().lines().anyMatch(l -> l.startsWith("reward") && l.contains(name)), plugins.out());
        for (String name : List.of("grpo", "rloo", "ppo"))
            assertTrue(plugins.out().lines().anyMatch(l -> l.startsWith("finetuner") && l.contains(name)), plugins.out());
    }

    @Test
    void anUnknownRewardIsRefusedNamingTheKeyAndTheKnownOnes() throws IOException {
        Path base = hfGpt2(tmp.resolve("base"));
        Path data = Files.writeString(tmp.resolve("prompts.jsonl"), Json.write(Map.of("prompt", "hi")) + "\n");
        Path cfg = config(tmp.resolve("grpo.json"), Map.of(
                "finetune", Map.of("from", base.toString(), "signal", Map.of("name", "grpo", "rewards", List.of(Map.of("name", "lenght")))),
                "data", Map.of("train", data.toString()), "train", train(1)));
        Cli r = kiln("finetune", "--config", cfg.toString(), "--out", tmp.resolve("run").toString());
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains("rewards[0]: key 'name'") && r.err().contains("'lenght'") && r.err().contains("format, length"), r.err());
    }
}
