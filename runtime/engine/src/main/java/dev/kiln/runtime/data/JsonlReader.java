package dev.kiln.runtime.data;

import dev.kiln.api.data.Dataset;
import dev.kiln.api.data.Example;
import dev.kiln.api.io.Json;
import dev.kiln.api.io.JsonException;
import dev.kiln.runtime.io.JsonValues;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * JSON Lines: each non-blank line is one JSON object, read as an {@link Example} whose fields are
 * the object's keys (nested values as maps / lists, whole numbers as Integer or Long, as a YAML
 * config gives them) and whose source is {@code file:line}; paths in fields are relative to the
 * file's folder. A line that is not a JSON object is an error naming the file, the line and, for
 * malformed JSON, the column.
 */
public final class JsonlReader {
    private JsonlReader() {}

    public static Dataset read(Path file) throws DataFileException {
        String text = Utf8Files.read(file);
        Path base = file.toAbsolutePath().getParent();
        List<Example> out = new ArrayList<>();
        try {
            Json.forEachLine(text, file.toString(), (lineNo, value) -> out.add(new Example(object(file, lineNo, value), file + ":" + lineNo, base)));
        } catch (JsonException e) {
            DataFileException named = new DataFileException(file, e.line(), "malformed JSON: " + e.problem() + " (column " + e.column() + ")");
            named.addSuppressed(e);                             // not a cause: its message says the same again
            throw named;
        } catch (DataFileException e) {
            throw e;
        } catch (IOException e) {
            throw new DataFileException(file, 0, "cannot read: " + e.getMessage(), e);   // not thrown by the visitor below
        }
        return new Dataset(file.getFileName() == null ? file.toString() : file.getFileName().toString(), out);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> object(Path file, int lineNo, Object value) throws DataFileException {
        if (!(value instanceof Map))
            throw new DataFileException(file, lineNo, "expected a JSON object per line, got " + kind(value));
        return (Map<String, Object>) JsonValues.plain(value);
    }

    private static String kind(Object v) {
        return v == null ? "null" : v instanceof List ? "array" : v instanceof String ? "string" : v instanceof Boolean ? "boolean" : "number";
    }
}
