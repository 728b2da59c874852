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
 * {@code kiln finetune} with lora + online_dpo end to end: the signal loads from the dpo plugin jar, its reference
 * is the policy with the adapter disabled (no second copy), the format reward plugin ranks each pair, and the
 * records in metrics.jsonl carry TRL's OnlineDPOTrainer names; {@code kiln plugins} lists it as a fine-tuner.
 */
class OnlineDpoCliTest {
    @TempDir
    Path tmp;

    @Test
    void loraPlusOnlineDpoRunsAndLogsTrlMetrics() throws IOException {
        Path base = hfGpt2(tmp.resolve("base"));
        StringBuilder rows = new StringBuilder();
        for (int i = 0; i < 16; i++) rows.append(Json.write(Map.of("prompt", "say " + i + ":"))).append('\n');
        Path train = Files.writeString(tmp.resolve("prompts.jsonl"), rows);
        Path validation = Files.writeString(tmp.resolve("validation.jsonl"), rows.substring(0, rows.indexOf("\n", 60) + 1));
        Map<String, Object> settings = new HashMap<>(train(2));
        settings.put("batch_size", 4);
        Path cfg = config(tmp.resolve("online-dpo.json"), Map.of(
                "finetune", Map.of("from", base.toString(), "method", Map.of("name", "lora", "r", 4),
                        "signal", Map.of("name", "online_dpo", "beta", 0.2, "max_completion_length", 6,
                                "rewards", List.of(Map.of("name", "format", "pattern", "^[aeiou]")))),
                "data", Map.of("train", train.toString(), "validation", validation.toString()), "train", settings));
        Path run = tmp.resolve("run");
        Cli r = kiln("finetune", "--config", cfg.toString(), "--out", run.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue((r.out() + r.err()).contains("reference policy: the policy with its adapters disabled"), r.out() + r.err());

        List<Map<String, Object>> evals = new ArrayList<>();
        for (String line : Files.readAllLines(run.resolve("metrics.jsonl"))) {
            Map<String, Object> m = json(Files.writeString(tmp.resolve("line.json"), line));
            if ("eval".equals(m.get("type"))) evals.add(m);
        }
        assertEquals(2, evals.size(), "before and after training: " + evals);
        for (Map<String, Object> e : evals)
            for (String key : List.of("objective/scores", "objective/kl", "rewards/format/mean", "tied_fraction", "val/contain_eos_token",
                    "completions/mean_length", "beta", "loss"))
                assertTrue(e.containsKey(key), key + " in " + e.keySet());
        assertEquals(0.0, ((Number) evals.get(0).get("objective/kl")).doubleValue(), 1e-4, "before training the policy is its reference");

        Cli plugins = kiln("plugins");
        assertEquals(0, plugins.code(), plugins.err());
        assertTrue(plugins.out().lines().anyMatch(l -> l.startsWith("finetuner") && l.contains("online_dpo")), plugins.out());
    }
}
