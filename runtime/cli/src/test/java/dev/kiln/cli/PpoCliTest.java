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
 * ({@code heads.ppo.score.*}), and the eval records carry TRL's PPO metric names. With
 * {@code value_model} (TRL's layout) the value model starts from a reward model directory trained by
 * {@code kiln finetune} with the reward signal, trains, and is kept in checkpoints but not in the model
 * directory (the policy alone, as TRL saves it); a directory without a reward head is refused naming it.
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

    @Test
    void fullPpoWithAValueModelStartedFromTheRewardModel() throws IOException {
        Path base = hfGpt2(tmp.resolve("base"));
        StringBuilder pairs = new StringBuilder(), prompts = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            pairs.append(Json.write(Map.of("prompt", "say " + i + ":", "chosen", " a", "rejected", " x"))).append('\n');
            prompts.append(Json.write(Map.of("prompt", "say " + i + ":"))).append('\n');
        }
        Path pairFile = Files.writeString(tmp.resolve("pairs.jsonl"), pairs), promptFile = Files.writeString(tmp.resolve("prompts.jsonl"), prompts);
        Path rewardRun = tmp.resolve("reward");
        Cli rm = kiln("finetune", "--config", config(tmp.resolve("reward.json"), Map.of(
                "finetune", Map.of("from", base.toString(), "method", "full", "signal", Map.of("name", "reward")),
                "data", Map.of("train", pairFile.toString(), "validation", pairFile.toString()), "train", train(2))).toString(),
                "--out", rewardRun.toString());
        assertEquals(0, rm.code(), rm.err());
        Map<String, Object> settings = new HashMap<>(train(2));
        settings.put("batch_size", 4);
        settings.put("schedule", "constant");
        Path run = tmp.resolve("ppo");
        Cli r = kiln("finetune", "--config", ppoConfig(base, rewardRun.resolve("model"), promptFile, settings).toString(), "--out", run.toString());
        assertEquals(0, r.code(), r.err());
        assertFalse((r.out() + r.err()).contains("newly initialized"), "the value model comes from value_model, not from fresh weights: " + r.out() + r.err());
        Path checkpoint = run.resolve("checkpoints").resolve(Files.readString(run.resolve("checkpoints/latest")).trim()).resolve("model.safetensors");
        try (SafetensorsFile policy = SafetensorsFile.open(run.resolve("model/model.safetensors"));
             SafetensorsFile resumable = SafetensorsFile.open(checkpoint);
             SafetensorsFile reward = SafetensorsFile.open(rewardRun.resolve("model/model.safetensors"))) {
            assertTrue(policy.names().stream().noneMatch(n -> n.startsWith("heads.ppo.")), "the model directory keeps the policy alone, as TRL saves it: "
                    + policy.names());
            assertTrue(resumable.contains("heads.ppo.value_score.weight") && resumable.contains("heads.ppo.value_backbone.blocks.0.attn.qkv.weight"),
                    "the checkpoint keeps the value model for a resume: " + resumable.names());
            float[] start = reward.floats("heads.reward.score.weight"), trained = resumable.floats("heads.ppo.value_score.weight");
            assertEquals(start.length, trained.length);
            assertFalse(java.util.Arrays.equals(start, trained), "the value model trained from the reward model's head");
        }

        // resumed at a rollout boundary (step 2 of num_ppo_epochs 2), the run ends where an uninterrupted one does:
        // the value model came back from the checkpoint
        Path config = ppoConfig(base, rewardRun.resolve("model"), promptFile, settings);
        Cli resumed = kiln("finetune", "--config", config.toString(), "--out", run.toString(), "train.steps=4");
        assertEquals(0, resumed.code(), resumed.err());
        assertTrue((resumed.out() + resumed.err()).contains("trained 2 steps (resumed; now at step 4)"), resumed.out() + resumed.err());
        Path straight = tmp.resolve("straight");
        assertEquals(0, kiln("finetune", "--config", config.toString(), "--out", straight.toString(), "train.steps=4").code());
        for (String file : List.of("model/model.safetensors", "checkpoints/step-000004/model.safetensors"))
            try (SafetensorsFile continued = SafetensorsFile.open(run.resolve(file)); SafetensorsFile uninterrupted = SafetensorsFile.open(straight.resolve(file))) {
                assertEquals(uninterrupted.names(), continued.names(), file);
                for (String name : uninterrupted.names())
                    assertArrayEquals(uninterrupted.floats(name), continued.floats(name), 0f, file + ": " + name + " after a resume");
            }

        Cli bad = kiln("finetune", "--config", ppoConfig(base, base, promptFile, settings).toString(), "--out", tmp.resolve("bad").toString());
        assertNotEquals(0, bad.code());
        assertTrue(bad.err().contains(base.toString()) && bad.err().contains("reward.score.weight"), bad.err());
    }

    private Path ppoConfig(Path base, Path valueModel, Path prompts, Map<String, Object> settings) throws IOException {
        return config(tmp.resolve("ppo-" + valueModel.getFileName() + ".json"), Map.of(
                "finetune", Map.of("from", base.toString(), "method", "full",
                        "signal", Map.of("name", "ppo", "num_ppo_epochs", 2, "response_length", 4, "value_model", valueModel.toString(),
                                "rewards", List.of(Map.of("name", "format", "pattern", "^ a")))),
                "data", Map.of("train", prompts.toString(), "validation", prompts.toString()), "train", settings));
    }
}
