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
 * {@code kiln finetune} with lora + dpo end to end: the dpo plugin loads from plugins/dpo, the
 * reference is the policy with its adapter disabled, and the evaluation records in metrics.jsonl
 * carry TRL's metric names verbatim, computed on data.validation.
 */
class DpoCliTest {
    @TempDir
    Path tmp;

    @Test
    void loraPlusDpoRunsAndLogsTrlMetrics() throws IOException {
        Path base = hfGpt2(tmp.resolve("base"));
        StringBuilder rows = new StringBuilder();
        for (int i = 0; i < 24; i++)
            rows.append(Json.write(Map.of("prompt", "say " + i + ":", "chosen", " yes", "rejected", " no"))).append('\n');
        Path train = Files.writeString(tmp.resolve("train.jsonl"), rows);
        Path validation = Files.writeString(tmp.resolve("validation.jsonl"), rows.substring(0, rows.indexOf("\n", 200) + 1));
        Map<String, Object> settings = new HashMap<>(train(4));
        settings.put("eval_every", 2);
        Path cfg = config(tmp.resolve("dpo.json"), Map.of(
                "finetune", Map.of("from", base.toString(), "method", Map.of("name", "lora", "r", 4, "alpha", 8),
                        "signal", Map.of("name", "dpo", "beta", 0.1, "loss_type", List.of("sigmoid", "sft"), "loss_weights", List.of(1.0, 0.5))),
                "data", Map.of("train", train.toString(), "validation", validation.toString()), "train", settings));
        Path run = tmp.resolve("run");
        Cli r = kiln("finetune", "--config", cfg.toString(), "--out", run.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue((r.out() + r.err()).contains("reference policy: the policy with its adapters disabled"), r.out() + r.err());

        List<Map<String, Object>> evals = evalRecords(run);
        assertEquals(3, evals.size(), "before training, at step 2 and at step 4: " + evals);
        for (Map<String, Object> e : evals)
            for (String key : List.of("rewards/chosen", "rewards/rejected", "rewards/accuracies", "rewards/margins", "logps/chosen",
                    "logps/rejected", "logits/chosen", "logits/rejected", "nll_loss", "loss"))
                assertTrue(e.containsKey(key), key + " in " + e.keySet());
        assertEquals(0.0, ((Number) evals.get(0).get("rewards/margins")).doubleValue(), 1e-6, "untrained: the policy is its reference");

        Cli plugins = kiln("plugins");
        assertEquals(0, plugins.code(), plugins.err());
        assertTrue(plugins.out().contains("dpo"), plugins.out());
    }

    @Test
    void fullPlusDpoUsesAFrozenCopyAndPrecomputedReferenceLogProbs() throws IOException {
        Path base = hfGpt2(tmp.resolve("base"));
        StringBuilder rows = new StringBuilder();
        for (int i = 0; i < 12; i++) rows.append(Json.write(Map.of("chosen", "q" + i + " = yes", "rejected", "q" + i + " = no"))).append('\n');
        Path data = Files.writeString(tmp.resolve("pairs.jsonl"), rows);
        Path cfg = config(tmp.resolve("dpo.json"), Map.of(
                "finetune", Map.of("from", base.toString(), "method", "full",
                        "signal", Map.of("name", "dpo", "loss_type", "ipo", "precompute_ref_log_probs", true)),
                "data", Map.of("train", data.toString(), "validation", data.toString()), "train", train(3)));
        Path run = tmp.resolve("run");
        Cli r = kiln("finetune", "--config", cfg.toString(), "--out", run.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue((r.out() + r.err()).contains("reference policy: a frozen copy of base"), r.out() + r.err());
        List<Map<String, Object>> evals = evalRecords(run);
        assertEquals(2, evals.size(), evals.toString());
        Map<String, Object> first = evals.get(0);
        assertEquals(0.0, ((Number) first.get("rewards/margins")).doubleValue(), 1e-6, "before training the policy equals its frozen copy");
        assertTrue(Files.isRegularFile(run.resolve("model/config.json")));
    }
}
