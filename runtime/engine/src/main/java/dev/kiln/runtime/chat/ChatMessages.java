package dev.kiln.runtime.chat;

import dev.kiln.api.io.Json;
import dev.kiln.api.io.JsonException;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A conversation file: a JSON array of messages, each an object with a string {@code role} and a
 * {@code content} (a string, a list of content parts, or null beside {@code tool_calls}); other
 * keys ({@code tool_calls}, {@code reasoning_content}, ...) go to the template as they are.
 * Errors name the file and the message's index.
 */
public final class ChatMessages {
    private ChatMessages() {}

    @SuppressWarnings("unchecked")
    public static List<Map<String, ?>> read(Path file) throws IOException {
        Object json;
        try {
            json = Json.read(file);
        } catch (JsonException e) {
            IOException named = new IOException(file + ": not valid JSON: " + e.problem() + " (line " + e.line() + ", column " + e.column() + ")");
            named.addSuppressed(e);
            throw named;
        }
        if (!(json instanceof List<?> list))
            throw new IOException(file + ": expected a JSON array of {\"role\": ..., \"content\": ...} messages");
        if (list.isEmpty()) throw new IOException(file + ": the conversation has no messages");
        List<Map<String, ?>> out = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            if (!(list.get(i) instanceof Map<?, ?> m))
                throw new IOException(file + ": message [" + i + "] is not a JSON object");
            if (!(m.get("role") instanceof String))
                throw new IOException(file + ": message [" + i + "] has no string \"role\" (keys: " + m.keySet() + ")");
            Object content = m.get("content");
            if (!m.containsKey("content") || !(content == null || content instanceof String || content instanceof List<?>))
                throw new IOException(file + ": message [" + i + "] needs \"content\": a string, a list of parts, or null");
            out.add((Map<String, ?>) m);
        }
        return out;
    }
}
