package dev.kiln.runtime.tokenizer;

import dev.kiln.api.config.ConfigException;

import java.util.List;
import java.util.Map;

/**
 * One JSON object of a tokenizer file and where it is ({@code file}, key path such as
 * {@code pre_tokenizer.pretokenizers[1]}), so that every error names both.
 */
record JsonAt(Map<String, Object> map, String file, String key) {

    static JsonAt of(Object v, String file, String key) {
        return new JsonAt(HfJson.object(v, file, key), file, key);
    }

    private String path(String name) {
        return key.isEmpty() ? name : key + "." + name;
    }

    boolean has(String name) {
        return map.get(name) != null;
    }

    Object raw(String name) {
        return map.get(name);
    }

    String type() {
        return HfJson.string(map.get("type"), file, path("type"));
    }

    String string(String name) {
        return HfJson.string(map.get(name), file, path(name));
    }

    String string(String name, String dflt) {
        Object v = map.get(name);
        return v == null ? dflt : HfJson.string(v, file, path(name));
    }

    boolean bool(String name, boolean dflt) {
        return HfJson.optBoolean(map, name, dflt, file, key.isEmpty() ? "" : key + ".");
    }

    int integer(String name) {
        return HfJson.integer(map.get(name), file, path(name));
    }

    double number(String name, double dflt) {
        Object v = map.get(name);
        if (v == null) return dflt;
        if (v instanceof Number n) return n.doubleValue();
        throw error(name, "expected a number, got " + HfJson.describe(v));
    }

    JsonAt object(String name) {
        return of(map.get(name), file, path(name));
    }

    List<?> list(String name) {
        return HfJson.list(map.get(name), file, path(name));
    }

    /** The objects of a list, each with its own key path ({@code name[i]}). */
    List<JsonAt> objects(String name) {
        List<?> l = list(name);
        JsonAt[] out = new JsonAt[l.size()];
        for (int i = 0; i < out.length; i++) out[i] = of(l.get(i), file, path(name) + "[" + i + "]");
        return List.of(out);
    }

    ConfigException error(String name, String what) {
        return HfJson.error(file, path(name), what);
    }

    ConfigException error(String what) {
        return HfJson.error(file, key, what);
    }

    /** "key: normalizer type 'Foo' is not supported (supported: ...)" for a component this reader does not implement. */
    ConfigException unsupported(String component, String supported) {
        return new ConfigException(file + ": key '" + path("type") + "': " + component + " type '" + type()
                + "' is not supported (supported: " + supported + ")");
    }

    /** The single character of a one-character string option (Metaspace's replacement). */
    String character(String name, String dflt) {
        String s = dflt == null ? string(name) : string(name, dflt);
        if (s.codePointCount(0, s.length()) != 1) throw error(name, "expected one character, got '" + s + "'");
        return s;
    }
}
