package dev.kiln.cli;

import dev.kiln.api.io.Json;
import dev.kiln.api.io.SafetensorsFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static dev.kiln.cli.ModelDirectories.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code kiln finetune} with lora + ppo end to end: the reference is the policy with its adapter
 * disabled, the value head trains beside the adapter and is saved with the model
 * ({@code heads.ppo.score.*}), and the eval records carry TRL's PPO metric names.
 */
class PpoCliTest {
    @TempDir
    Path tmp;

    @Test
    void loraPlusPpoRunsAndSavesTheValueHead() throws IOException {
        Path base = hfGpt2(tmp.resolve("base"));
        StringBuilder rows = new StringBuilder();
        for (int i = 0; i < 8; i++) rows.append(Json.write(Map.of("prompt", "say " + i + ":"))).append('\n');
        Path data = Files.writeString(tmp.resolve("prompts.jsonl"), rows);
        Map<String, Object> settings = new HashMap<>(train(4));
        settings.put("batch_size", 4);
        Path cfg = config(tmp.resolve("ppo.json"), Map.of(
                "finetune", Map.of("from", base.toString(), "method", Map.of("name", "lora", "r", 4, "alpha", 8),
                        "signal", Map.of("name", "ppo", "num_ppo_epochs", 2, "response_length", 6,
                                "rewards", List.of(Map.of("name", "format", "pattern", "[aeiou]")))),
                "data", Map.of("train", data.toString(), "validation", data.toString()), "train", settings));
        Path run = tmp.resolve("run");
        Cli r = kiln("finetune", "--config", cfg.toString(), "--out", run.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue((r.out() + r.err()).contains("reference policy: the policy with its adapters disabled"), r.out() + r.err());
        List<String> evals = Files.readAllLines(run.resolve("metrics.jsonl")).stream().filter(l -> l.contains("\"type\":\"eval\"")).toList();
        assertEquals(2, evals.size(), evals.toString());
        Map<String, Object> last = json(Files.writeString(tmp.resolve("last.json"), evals.get(1)));
        for (String key : List.of("objective/scores", "objective/kl", "objective/rlhf_reward", "policy/clipfrac_avg", "loss/value_avg", "rewards/format/mean"))
            assertTrue(last.containsKey(key), key + " in " + last.keySet());
        try (SafetensorsFile f = SafetensorsFile.open(run.resolve("model/model.safetensors"))) {
            assertTrue(f.names().contains("heads.ppo.score.weight") && f.names().contains("heads.ppo.score.bias"), f.names().toString());
        }
    }
}
