package dev.kiln.runtime.tokenizer;

import dev.kiln.api.config.ConfigException;
import dev.kiln.api.io.Json;
import dev.kiln.api.io.JsonException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Strict reading of tokenizer JSON files (Hugging Face's tokenizer.json, GPT-2's encoder.json) with
 * core-api's {@link Json}: duplicate keys are errors, and every error names the file and the key
 * path, e.g. {@code tok.json: key 'model.merges[12]': ...}, or the line and column. Parsed maps and
 * lists are unmodifiable; whole numbers are {@code Long}.
 */
final class HfJson {
    private HfJson() {}

    /** A JSON file holding an object; IOException naming the file when it is missing or malformed. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> readObject(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new IOException(file + ": not found");
        String text = Json.readText(file);
        if (text.isBlank()) throw new IOException(file + ": empty (expected a JSON object such as {\"model\": ...})");
        Object json;
        try {
            json = Json.parse(text, file.toString());
        } catch (JsonException e) {
            IOException named = new IOException(file + ": not a valid JSON object (line " + e.line() + ", column " + e.column() + "): " + e.problem());
            named.addSuppressed(e);                             // in stack traces, not repeated in one-line messages
            throw named;
        }
        if (!(json instanceof Map))
            throw new IOException(file + ": not a JSON object at the top level (expected a JSON object such as {\"model\": ...})");
        return (Map<String, Object>) json;
    }

    /** A tokenizer file's text: {@link Json#pretty}, as Hugging Face indents tokenizer.json, and a final newline. */
    static String write(Map<String, ?> json) {
        return Json.pretty(json) + "\n";
    }

    /** Ids at or above this are refused (a corrupt file, not a vocabulary). */
    static final int MAX_ID = 50_000_000;

    static ConfigException error(String file, String key, String what) {
        return new ConfigException(file + ": key '" + key + "' " + what);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> object(Object v, String file, String key) {
        if (v instanceof Map<?, ?> m) return (Map<String, Object>) m;
        throw error(file, key, v == null ? "is missing (expected an object)" : "expected an object, got " + describe(v));
    }

    static List<?> list(Object v, String file, String key) {
        if (v instanceof List<?> l) return l;
        throw error(file, key, v == null ? "is missing (expected a list)" : "expected a list, got " + describe(v));
    }

    static String string(Object v, String file, String key) {
        if (v instanceof String s) return s;
        throw error(file, key, v == null ? "is missing (expected a string)" : "expected a string, got " + describe(v));
    }

    /** A string, or {@code dflt} when absent or null. */
    static String optString(Map<String, Object> m, String name, String dflt, String file, String prefix) {
        Object v = m.get(name);
        return v == null ? dflt : string(v, file, prefix + name);
    }

    static boolean optBoolean(Map<String, Object> m, String name, boolean dflt, String file, String prefix) {
        Object v = m.get(name);
        if (v == null) return dflt;
        if (v instanceof Boolean b) return b;
        throw error(file, prefix + name, "expected true or false, got " + describe(v));
    }

    static int integer(Object v, String file, String key) {
        if (v instanceof Long l && l == l.intValue()) return l.intValue();
        if (v instanceof Integer i) return i;
        if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue()) && Math.abs(n.doubleValue()) < Integer.MAX_VALUE)
            return n.intValue();
        throw error(file, key, v == null ? "is missing (expected an integer)" : "expected an integer, got " + describe(v));
    }

    /** A token → id object (a vocabulary); ids must be distinct non-negative integers. */
    static Map<String, Integer> vocab(Object v, String file, String key) {
        Map<String, Object> m = object(v, file, key);
        Map<String, Integer> out = new LinkedHashMap<>(m.size() * 4 / 3 + 1);
        int max = -1;
        for (var e : m.entrySet()) {
            Object raw = e.getValue();
            int id = raw instanceof Long l && l == l.intValue() ? l.intValue() : integer(raw, file, key + "[\"" + e.getKey() + "\"]");
            if (id < 0) throw error(file, key + "[\"" + e.getKey() + "\"]", "has negative id " + id);
            if (id >= MAX_ID) throw error(file, key + "[\"" + e.getKey() + "\"]", "has implausibly large id " + id);
            max = Math.max(max, id);
            out.put(e.getKey(), id);
        }
        if (out.isEmpty()) throw error(file, key, "is empty");
        String[] byId = new String[max + 1];
        for (var e : out.entrySet()) {
            String other = byId[e.getValue()];
            if (other != null) throw error(file, key, "gives id " + e.getValue() + " to both '" + other + "' and '" + e.getKey() + "'");
            byId[e.getValue()] = e.getKey();
        }
        return out;
    }

    /** The {@code added_tokens} list (absent = none); ids and contents must be distinct. */
    static List<AddedToken> addedTokens(Map<String, Object> root, String file) {
        Object raw = root.get("added_tokens");
        if (raw == null) return List.of();
        List<?> l = list(raw, file, "added_tokens");
        List<AddedToken> out = new ArrayList<>();
        Set<Integer> ids = new HashSet<>();
        Set<String> contents = new HashSet<>();
        for (int i = 0; i < l.size(); i++) {
            String key = "added_tokens[" + i + "]";
            Map<String, Object> t = object(l.get(i), file, key);
            int id = integer(t.get("id"), file, key + ".id");
            String content = string(t.get("content"), file, key + ".content");
            if (id < 0) throw error(file, key + ".id", "is negative: " + id);
            if (content.isEmpty()) throw error(file, key + ".content", "is empty");
            if (!ids.add(id)) throw error(file, key + ".id", "repeats id " + id);
            if (!contents.add(content)) throw error(file, key + ".content", "repeats '" + content + "'");
            out.add(new AddedToken(id, content, optBoolean(t, "special", false, file, key + "."),
                    optBoolean(t, "single_word", false, file, key + "."), optBoolean(t, "lstrip", false, file, key + "."),
                    optBoolean(t, "rstrip", false, file, key + "."), optBoolean(t, "normalized", false, file, key + ".")));
        }
        return out;
    }

    /** The model object and its type ("BPE", "WordPiece", ...), inferred for old files without one. */
    static String modelType(Map<String, Object> root, String file) {
        if (!root.containsKey("model"))
            throw error(file, "model", "is missing: not a Hugging Face tokenizer.json (a Kiln tokenizer.json has 'type' instead)");
        Map<String, Object> model = object(root.get("model"), file, "model");
        Object type = model.get("type");
        if (type != null) return string(type, file, "model.type");
        if (model.containsKey("merges")) return "BPE";
        if (model.containsKey("max_input_chars_per_word") || model.containsKey("continuing_subword_prefix")) return "WordPiece";
        throw error(file, "model.type", "is missing and cannot be inferred (expected BPE or WordPiece)");
    }

    static String describe(Object v) {
        String s = String.valueOf(v);
        if (s.length() > 60) s = s.substring(0, 57) + "...";
        String kind = v instanceof Map ? "an object" : v instanceof List ? "a list" : v instanceof String ? "a string"
                : v instanceof Number ? "a number" : v instanceof Boolean ? "a boolean" : "a value";
        return kind + " (" + s + ")";
    }
}
