package dev.kiln.cli;

import dev.kiln.api.io.Json;
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
 * {@code kiln finetune} with the kto signal end to end: the plugin loads from plugins/kto, the
 * reference is the policy with its LoRA adapter disabled (or a frozen copy for full fine-tuning),
 * metrics.jsonl carries TRL's KTO names verbatim, and bad rows are refused naming file, line and key.
 */
class KtoCliTest {
    @TempDir
    Path tmp;

    private Path rows(String name, int n) throws IOException {
        StringBuilder rows = new StringBuilder();
        for (int i = 0; i < n; i++)
            rows.append(Json.write(Map.of("prompt", "say " + i + ":", "completion", i % 2 == 0 ? " yes" : " no", "label", i % 2 == 0))).append('\n');
        return Files.writeString(tmp.resolve(name), rows);
    }

    @Test
    void loraPlusKtoRunsAndLogsTrlMetrics() throws IOException {
        Path base = hfGpt2(tmp.resolve("base"));
        Path train = rows("train.jsonl", 24), validation = rows("validation.jsonl", 8);
        Map<String, Object> settings = new HashMap<>(train(4));
        settings.put("eval_every", 2);
        Path cfg = config(tmp.resolve("kto.json"), Map.of(
                "finetune", Map.of("from", base.toString(), "method", Map.of("name", "lora", "r", 4, "alpha", 8),
                        "signal", Map.of("name", "kto", "beta", 0.1, "desirable_weight", 1.0, "undesirable_weight", 1.0)),
                "data", Map.of("train", train.toString(), "validation", validation.toString()), "train", settings));
        Path run = tmp.resolve("run");
        Cli r = kiln("finetune", "--config", cfg.toString(), "--out", run.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue((r.out() + r.err()).contains("reference policy: the policy with its adapters disabled"), r.out() + r.err());
        List<Map<String, Object>> evals = evalRecords(run);
        assertEquals(3, evals.size(), "before training, at step 2 and at step 4: " + evals);
        for (Map<String, Object> e : evals) {
            for (String key : List.of("rewards/chosen", "rewards/rejected", "rewards/margins", "logps/chosen", "logps/rejected", "logits/chosen",
                    "logits/rejected", "kl", "count/chosen", "count/rejected", "loss"))
                assertTrue(e.containsKey(key), key + " in " + e.keySet());
            assertTrue(e.keySet().stream().noneMatch(k -> k.endsWith("_sum")), "evaluation logs the means, not TRL's per-batch sums: " + e.keySet());
        }
        assertEquals(0.0, ((Number) evals.get(0).get("rewards/margins")).doubleValue(), 1e-6, "untrained: the policy is its reference");
        Map<String, Object> adapter = json(run.resolve("adapter/adapter_config.json"));
        assertEquals("CAUSAL_LM", adapter.get("task_type"), adapter.toString());
    }

    @Test
    void aRowWithoutItsLabelIsRefusedNamingFileLineAndKey() throws IOException {
        Path base = hfGpt2(tmp.resolve("base"));
        Path data = rows("rows.jsonl", 6);
        Files.writeString(data, Json.write(Map.of("prompt", "q", "completion", " yes", "label", "good")) + "\n", java.nio.file.StandardOpenOption.APPEND);
        Path cfg = config(tmp.resolve("kto.json"), Map.of(
                "finetune", Map.of("from", base.toString(), "method", "full", "signal", "kto"),
                "data", Map.of("train", data.toString()), "train", train(2)));
        Cli r = kiln("finetune", "--config", cfg.toString(), "--out", tmp.resolve("run").toString());
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains("rows.jsonl:7") && r.err().contains("'label'"), r.err());
    }
}
