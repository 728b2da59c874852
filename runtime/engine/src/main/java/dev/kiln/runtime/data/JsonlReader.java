package dev.kiln.runtime.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.DeserializationFeature;
import dev.kiln.api.data.Dataset;
import dev.kiln.api.data.Example;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * JSON Lines: each non-blank line is one JSON object, read as an {@link Example} whose fields are
 * the object's keys (nested values as maps / lists) and whose source is {@code file:line}; paths in
 * fields are relative to the file's folder. A line that is not a JSON object is an error naming
 * the file and the line.
 */
public final class JsonlReader {
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private JsonlReader() {}

    public static Dataset read(Path file) throws DataFileException {
        String text = Utf8Files.read(file);
        Path base = file.toAbsolutePath().getParent();
        List<Example> out = new ArrayList<>();
        int lineNo = 0, start = 0;
        while (start < text.length()) {
            int end = text.indexOf('\n', start);
            if (end < 0) end = text.length();
            lineNo++;
            String line = text.substring(start, end).strip();
            start = end + 1;
            if (line.isEmpty()) continue;
            out.add(new Example(parse(file, lineNo, line), file + ":" + lineNo, base));
        }
        return new Dataset(file.getFileName() == null ? file.toString() : file.getFileName().toString(), out);
    }

    static Map<String, Object> parse(Path file, int lineNo, String line) throws DataFileException {
        JsonNode node;
        try {
            node = JSON.readTree(line);
        } catch (JsonProcessingException e) {
            throw new DataFileException(file, lineNo, "malformed JSON: " + e.getOriginalMessage()
                    + " (column " + e.getLocation().getColumnNr() + ")", e);
        }
        if (node == null || !node.isObject())
            throw new DataFileException(file, lineNo, "expected a JSON object per line, got " + (node == null ? "nothing" : node.getNodeType().toString().toLowerCase(Locale.ROOT)));
        return JSON.convertValue(node, JSON.getTypeFactory().constructMapType(LinkedHashMap.class, String.class, Object.class));
    }
}
