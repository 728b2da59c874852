package dev.kiln.runtime.metrics;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;

/** metrics.jsonl: one JSON object per logged step or evaluation, appended and flushed, for plotting. */
public final class MetricsLog implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
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
        for (var e : values.entrySet()) {
            Object v = e.getValue();
            line.put(e.getKey(), v instanceof Double d && !Double.isFinite(d) ? String.valueOf(d) : v);
        }
        try {
            out.write(JSON.writeValueAsString(line));
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
