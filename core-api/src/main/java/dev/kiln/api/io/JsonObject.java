package dev.kiln.api.io;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A parsed JSON object ({@link Json#parse}) with typed getters whose errors name where it came
 * from and the key: {@code adapter/adapter_config.json: "r" must be a whole number, got 8.5}.
 * A getter returns null when the key is absent or JSON {@code null}; callers decide which keys
 * are required.
 */
public final class JsonObject {
    private final Map<String, Object> fields;
    private final String source;

    private JsonObject(Map<String, Object> fields, String source) {
        this.fields = fields;
        this.source = source;
    }

    /**
     * {@code value} (a parsed JSON value) as an object; an error naming {@code source} when it is not one.
     * {@code source} prefixes every later error: a file name, or a file and a place in it.
     */
    @SuppressWarnings("unchecked")
    public static JsonObject of(Object value, String source) throws IOException {
        if (!(value instanceof Map<?, ?> m)) throw new IOException(source + ": expected a JSON object, got " + describe(value));
        return new JsonObject((Map<String, Object>) m, source);
    }

    /** What errors name, e.g. the file. */
    public String source() { return source; }

    /** The keys in file order. */
    public Set<String> keys() { return fields.keySet(); }

    /** The raw value: a Map, List, String, Long, Double, Boolean, or null. */
    public Object get(String key) { return fields.get(key); }

    /** Whether {@code key} is present and not JSON null. */
    public boolean has(String key) { return fields.get(key) != null; }

    public String string(String key) throws IOException {
        Object v = fields.get(key);
        if (v == null || v instanceof String) return (String) v;
        throw wrong(key, "a string", v);
    }

    public Boolean bool(String key) throws IOException {
        Object v = fields.get(key);
        if (v == null || v instanceof Boolean) return (Boolean) v;
        throw wrong(key, "true or false", v);
    }

    /** A whole number that fits an int ({@code 8}; not {@code 8.0}). */
    public Integer integer(String key) throws IOException {
        Object v = fields.get(key);
        if (v == null) return null;
        if (v instanceof Long n && n == n.intValue()) return n.intValue();
        throw wrong(key, "a whole number", v);
    }

    /** {@link #integer}, but an error naming the key when it is absent or null. */
    public int requiredInteger(String key) throws IOException {
        Integer v = integer(key);
        if (v == null) throw error(key, "is missing (a whole number is needed)");
        return v;
    }

    /** Any number. */
    public Double number(String key) throws IOException {
        Object v = fields.get(key);
        if (v == null) return null;
        if (v instanceof Number n) return n.doubleValue();
        throw wrong(key, "a number", v);
    }

    /** A list of strings; a single string is read as a list of one (PEFT writes {@code "all-linear"} so). */
    public List<String> strings(String key) throws IOException {
        Object v = fields.get(key);
        if (v == null) return null;
        if (v instanceof String s) return List.of(s);
        if (v instanceof List<?> l && l.stream().allMatch(x -> x instanceof String)) {
            List<String> out = new ArrayList<>();
            for (Object x : l) out.add((String) x);
            return List.copyOf(out);
        }
        throw wrong(key, "a string or a list of strings", v);
    }

    /** A list of whole numbers. */
    public long[] longs(String key) throws IOException {
        Object v = fields.get(key);
        if (v == null) return null;
        if (v instanceof List<?> l && l.stream().allMatch(x -> x instanceof Long)) {
            long[] out = new long[l.size()];
            for (int i = 0; i < out.length; i++) out[i] = (Long) l.get(i);
            return out;
        }
        throw wrong(key, "a list of whole numbers", v);
    }

    /** A nested object, whose errors name this one's source and {@code key}. */
    public JsonObject object(String key) throws IOException {
        Object v = fields.get(key);
        if (v == null) return null;
        if (v instanceof Map<?, ?>) return of(v, source + ": \"" + key + "\"");
        throw wrong(key, "an object", v);
    }

    /** An error naming the source and {@code key}: {@code <source>: "<key>" <problem>}. */
    public IOException error(String key, String problem) {
        return new IOException(source + ": \"" + key + "\" " + problem);
    }

    private IOException wrong(String key, String expected, Object got) {
        return error(key, "must be " + expected + ", got " + describe(got));
    }

    /** A JSON value as it appeared, cut to 80 characters, for messages. */
    public static String describe(Object v) {
        String json = Json.write(v);
        return json.length() > 80 ? json.substring(0, 77) + "..." : json;
    }

    @Override
    public String toString() { return Json.write(fields); }
}
