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
     * a last line a kill cut short, rewriting the file atomically. An unreadable line before the last is damage,
     * not an interrupted write: it moves to {@code metrics.jsonl.unreadable} (appended), and the returned notes
     * name it, for the user.
     */
    public List<String> resumeAt(long step) {
        try {
            out.close();
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8), kept = new ArrayList<>(), damaged = new ArrayList<>();
            List<String> notes = new ArrayList<>();
            int last = lines.size() - 1;
            while (last >= 0 && lines.get(last).isBlank()) last--;
            for (int i = 0; i <= last; i++) {
                String line = lines.get(i);
                if (line.isBlank()) continue;
                Map<String, Object> record = record(line);
                if (record == null || !(record.get("step") instanceof Number n)) {
                    if (i < last) {
                        damaged.add(line);
                        notes.add(file + ":" + (i + 1) + ": not a metrics record; moved to " + unreadable().getFileName());
                    }
                    continue;
                }
                if (n.longValue() < step || (n.longValue() == step && "train".equals(record.get("type")))) kept.add(line);
            }
            if (!damaged.isEmpty())
                Files.writeString(unreadable(), String.join("\n", damaged) + "\n", StandardCharsets.UTF_8,
                        StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            AtomicFiles.writeString(file, kept.isEmpty() ? "" : String.join("\n", kept) + "\n");
            out = open(file);
            return notes;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot rewrite metrics log " + file + " for the resumed run: " + e.getMessage(), e);
        }
    }

    private Path unreadable() { return file.resolveSibling(file.getFileName() + ".unreadable"); }

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
