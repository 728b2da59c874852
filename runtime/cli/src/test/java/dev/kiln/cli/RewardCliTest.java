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
 * {@code kiln finetune} with the reward signal end to end: the plugin loads from plugins/reward,
 * metrics.jsonl carries TRL's RewardTrainer names, the model directory saves the score head as
 * {@code heads.reward.score.weight} [1, C], and a second fine-tune from that directory starts
 * from the saved head (its first evaluation is the first run's last). With LoRA, the adapter keeps
 * the trained head as modules_to_save and says task_type SEQ_CLS.
 */
class RewardCliTest {
    @TempDir
    Path tmp;

    private Path pairs(String name, int n) throws IOException {
        StringBuilder rows = new StringBuilder();
        for (int i = 0; i < n; i++) {
            Map<String, Object> row = new HashMap<>(Map.of("prompt", "say " + i + ":", "chosen", " yes", "rejected", " no"));
            if (i % 2 == 0) row.put("margin", 0.5);
            rows.append(Json.write(row)).append('\n');
        }
        return Files.writeString(tmp.resolve(name), rows);
    }

    @Test
    void fullFineTuningTrainsSavesAndReloadsTheScoreHead() throws IOException {
        Path base = hfGpt2(tmp.resolve("base"));
        Path train = pairs("train.jsonl", 24), validation = pairs("validation.jsonl", 8);
        Map<String, Object> settings = new HashMap<>(train(4));
        settings.put("eval_every", 2);
        Path cfg = config(tmp.resolve("reward.json"), Map.of(
                "finetune", Map.of("from", base.toString(), "method", "full", "signal", Map.of("name", "reward", "center_rewards_coefficient", 0.01)),
                "data", Map.of("train", train.toString(), "validation", validation.toString()), "train", settings));
        Path run = tmp.resolve("run");
        Cli r = kiln("finetune", "--config", cfg.toString(), "--out", run.toString());
        assertEquals(0, r.code(), r.err());
        List<Map<String, Object>> evals = evalRecords(run);
        assertEquals(3, evals.size(), "before training, at step 2 and at step 4: " + evals);
        for (Map<String, Object> e : evals)
            for (String key : List.of("loss", "accuracy", "margin", "rewards/chosen", "rewards/rejected", "min_reward", "mean_reward", "max_reward"))
                assertTrue(e.containsKey(key), key + " in " + e.keySet());
        // every pair ranks " yes" over " no", so the untrained score head may already order them all (its accuracy
        // says nothing here); its loss says how far apart it puts them, and training must widen that
        double before = loss(evals.get(0)), atTwo = loss(evals.get(1)), after = loss(evals.get(2));
        assertTrue(atTwo < before && after < atTwo && after < 0.8 * before, "the validation loss falls: " + before + " → " + atTwo + " → " + after);
        try (SafetensorsFile model = SafetensorsFile.open(run.resolve("model/model.safetensors"))) {
            assertArrayEquals(new long[] {1, 32}, model.info("heads.reward.score.weight").shape(), "the score head [1, d_model], no bias");
            assertFalse(model.contains("heads.reward.score.bias"));
        }
        Map<String, Object> objectives = (Map<String, Object>) json(run.resolve("model/config.json")).get("objectives");
        assertEquals(1, ((Number) ((Map<String, Object>) objectives.get("reward")).get("num_labels")).intValue(), objectives.toString());

        Path again = config(tmp.resolve("again.json"), Map.of(
                "finetune", Map.of("from", run.resolve("model").toString(), "method", "full", "signal", Map.of("name", "reward", "center_rewards_coefficient", 0.01)),
                "data", Map.of("train", train.toString(), "validation", validation.toString()), "train", train(1)));
        Path run2 = tmp.resolve("run2");
        Cli r2 = kiln("finetune", "--config", again.toString(), "--out", run2.toString());
        assertEquals(0, r2.code(), r2.err());
        assertFalse((r2.out() + r2.err()).contains("newly initialized"), "the saved head loads: " + r2.err());
        assertEquals(((Number) evals.get(2).get("loss")).doubleValue(), ((Number) evalRecords(run2).get(0).get("loss")).doubleValue(),
                1e-5, "the second run starts where the first ended");
    }

    private static double loss(Map<String, Object> eval) { return ((Number) eval.get("loss")).doubleValue(); }

    @Test
    void loraKeepsTheTrainedHeadInTheAdapter() throws IOException {
        Path base = hfGpt2(tmp.resolve("base"));
        Path data = pairs("pairs.jsonl", 12);
        Path cfg = config(tmp.resolve("reward.json"), Map.of(
                "finetune", Map.of("from", base.toString(), "method", Map.of("name", "lora", "r", 4, "alpha", 8), "signal", "reward"),
                "data", Map.of("train", data.toString()), "train", train(2)));
        Path run = tmp.resolve("run");
        Cli r = kiln("finetune", "--config", cfg.toString(), "--out", run.toString());
        assertEquals(0, r.code(), r.err());
        Map<String, Object> adapter = json(run.resolve("adapter/adapter_config.json"));
        assertEquals("SEQ_CLS", adapter.get("task_type"), adapter.toString());
        assertTrue((r.out() + r.err()).contains("modules_to_save"), r.err());
    }
}
