package dev.kiln.cli;

import dev.kiln.api.io.Json;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static dev.kiln.cli.ModelDirectories.*;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Short real training runs for the report tests, and what their metrics.jsonl logged. */
final class ReportRuns {
    private ReportRuns() {}

    /** A tiny byte-level GPT on the stories: log every step, evaluate every {@code evalEvery}, a checkpoint every 3 steps. */
    static Map<String, Object> config(Path stories, int steps, int evalEvery, double lr, boolean sample) {
        Map<String, Object> train = new LinkedHashMap<>(Map.of("steps", steps, "batch_size", 4, "seq_len", 32, "lr", lr, "warmup", 0,
                "eval_every", evalEvery, "checkpoint_every", 3, "log_every", 1, "eval_batches", 2));
        Map<String, Object> cfg = new LinkedHashMap<>(Map.of("tokenizer", Map.of("type", "byte"),
                "model", Map.of("preset", "gpt2", "d_model", 32, "layers", 1, "heads", 4, "max_seq", 64), "objective", "clm",
                "data", Map.of("train", stories.toString()), "train", train));
        if (sample) cfg.put("generate", Map.of("prompt", "the cat", "max_new_tokens", 6, "seed", 1));
        return cfg;
    }

    /** Runs kiln pretrain into {@code out}; asserts it succeeded. */
    static Cli pretrain(Path tmp, String name, Map<String, Object> cfg, Path out, String... extra) throws IOException {
        List<String> args = new ArrayList<>(List.of("pretrain", "--config", ModelDirectories.config(tmp.resolve(name + ".json"), cfg).toString(), "--out", out.toString()));
        args.addAll(List.of(extra));
        Cli r = kiln(args.toArray(String[]::new));
        assertEquals(0, r.code(), r.err());
        return r;
    }

    /** The records of one type in metrics.jsonl by step (the last one per step, as the report keeps them). */
    static TreeMap<Long, Map<String, Object>> records(Path run, String type) throws IOException {
        TreeMap<Long, Map<String, Object>> out = new TreeMap<>();
        for (String line : Files.readAllLines(run.resolve("metrics.jsonl"), StandardCharsets.UTF_8)) {
            @SuppressWarnings("unchecked")
            Map<String, Object> r = (Map<String, Object>) Json.parse(line, "metrics.jsonl");
            if (type.equals(r.get("type"))) out.put(((Number) r.get("step")).longValue(), r);
        }
        return out;
    }

    static double[] values(TreeMap<Long, Map<String, Object>> records, String key) {
        return records.values().stream().mapToDouble(r -> ((Number) r.get(key)).doubleValue()).toArray();
    }

    static double[] numbers(String spaceSeparated) {
        String s = spaceSeparated.trim();
        if (s.isEmpty()) return new double[0];
        String[] parts = s.split("\\s+");
        double[] out = new double[parts.length];
        for (int i = 0; i < parts.length; i++) out[i] = Double.parseDouble(parts[i]);
        return out;
    }

    static double min(double[] v) { return java.util.Arrays.stream(v).min().orElseThrow(); }

    static double max(double[] v) { return java.util.Arrays.stream(v).max().orElseThrow(); }
}
