package dev.kiln.runtime.metrics;

import dev.kiln.api.io.Json;
import dev.kiln.runtime.io.JsonValues;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import dev.kiln.api.io.AtomicFiles;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * metrics.jsonl: one JSON object per logged step or evaluation ({@link Json#compact}), appended and
 * flushed, for plotting. A NaN or infinite value is written as the string {@code "NaN"} /
 * {@code "Infinity"}. A resumed run first drops what the interrupted one logged after its checkpoint
 * ({@link #resumeAt}), as transformers' {@code log_history} and TensorBoard's {@code purge_step} do,
 * so every step appears once and in order.
 */
public final class MetricsLog implements AutoCloseable {
    private final Path file;
    private BufferedWriter out;

    public MetricsLog(Path file) {
        this.file = file;
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            this.out = open(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open metrics log " + file + ": " + e.getMessage(), e);
        }
    }

    private static BufferedWriter open(Path file) throws IOException {
        return Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    /**
     * Training resumes from the checkpoint of {@code step}: keeps the train records up to that step and
     * every other record before it (the resumed run evaluates at {@code step} again), drops the rest and
     * any unreadable line a kill cut short, rewriting the file atomically.
     */
    public void resumeAt(long step) {
        try {
            out.close();
            List<String> kept = new ArrayList<>();
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                Map<String, Object> record = record(line);
                if (record == null || !(record.get("step") instanceof Number n)) continue;
                if (n.longValue() < step || (n.longValue() == step && "train".equals(record.get("type")))) kept.add(line);
            }
            AtomicFiles.writeString(file, kept.isEmpty() ? "" : String.join("\n", kept) + "\n");
            out = open(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot rewrite metrics log " + file + " for the resumed run: " + e.getMessage(), e);
        }
    }

    /** The run's first evaluation record's metrics (the 'before' of a resumed run), or empty. */
    public static Map<String, Double> firstEval(Path file) throws IOException {
        if (!Files.isRegularFile(file)) return Map.of();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            Map<String, Object> record = record(line);
            if (record == null || !"eval".equals(record.get("type"))) continue;
            Map<String, Double> metrics = new LinkedHashMap<>();
            for (var e : record.entrySet())
                if (!e.getKey().equals("step") && !e.getKey().equals("time")) {
                    if (e.getValue() instanceof Number v) metrics.put(e.getKey(), v.doubleValue());
                    else if (e.getValue() instanceof String t && (t.equals("NaN") || t.endsWith("Infinity"))) metrics.put(e.getKey(), Double.parseDouble(t));
                }
            return metrics;
        }
        return Map.of();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> record(String line) {
        try {
            return Json.parse(line, "metrics.jsonl") instanceof Map<?, ?> m ? (Map<String, Object>) m : null;
        } catch (RuntimeException | IOException e) {
            return null;
        }
    }

    public void write(String type, long step, Map<String, ?> values) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("type", type);
        line.put("step", step);
        line.put("time", System.currentTimeMillis() / 1000.0);
        for (var e : values.entrySet()) line.put(e.getKey(), JsonValues.finite(e.getValue()));   // NaN as "NaN"
        try {
            out.write(Json.compact(line));
            out.newLine();
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write metrics log " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            out.close();
        } catch (IOException ignored) {
            // closing a flushed log: nothing left to lose
        }
    }
}
