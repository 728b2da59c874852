package dev.kiln.api.data;

import java.nio.file.Path;
import java.util.Map;

/**
 * One record of a dataset: a document of a text corpus ({@code text}), a JSONL line's fields, a
 * TSV row. {@code source} names where it came from ("corpus.txt:12") for error messages; paths in
 * fields are relative to {@code baseDir}.
 */
public record Example(Map<String, Object> fields, String source, Path baseDir) {
    public static Example text(String text, String source) {
        return new Example(Map.of("text", text), source, null);
    }

    public String text() { return string("text"); }

    /** A required string field, or an error naming the source and the field. */
    public String string(String key) {
        Object v = fields.get(key);
        if (v == null) throw new IllegalArgumentException(source + ": missing field '" + key + "' (has: " + fields.keySet() + ")");
        return v.toString();
    }

    public boolean has(String key) { return fields.get(key) != null; }
}
