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
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * metrics.jsonl: one JSON object per logged step or evaluation ({@link Json#compact}), appended and
 * flushed, for plotting. A NaN or infinite value is written as the string {@code "NaN"} /
 * {@code "Infinity"}.
 */
public final class MetricsLog implements AutoCloseable {
    private final BufferedWriter out;

    public MetricsLog(Path file) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            this.out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open metrics log " + file + ": " + e.getMessage(), e);
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
            throw new UncheckedIOException("cannot write metrics log: " + e.getMessage(), e);
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
