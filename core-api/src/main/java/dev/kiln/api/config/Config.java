package dev.kiln.api.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A strictly parsed configuration section (e.g. one objective's keys). Typed getters declare a
 * key as known; {@link #finish()} then rejects any key that was never asked for, naming the
 * known ones. Errors name the section and the key: {@code objective 'clm': key 'block_size' ...}.
 */
public final class Config {
    private final String section;
    private final Map<String, Object> values;
    private final Set<String> known = new LinkedHashSet<>();

    public Config(String section, Map<String, ?> values) {
        this.section = section;
        this.values = values == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    public static Config empty(String section) {
        return new Config(section, Map.of());
    }

    public String section() { return section; }

    public Map<String, Object> raw() { return values; }

    public boolean has(String key) {
        known.add(key);
        return values.containsKey(key) && values.get(key) != null;
    }

    public String getString(String key, String dflt) {
        Object v = lookup(key);
        return v == null ? dflt : v.toString();
    }

    public String requireString(String key) {
        String v = getString(key, null);
        if (v == null) throw error(key, "is required");
        return v;
    }

    public int getInt(String key, int dflt) {
        Object v = lookup(key);
        if (v == null) return dflt;
        if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())) return n.intValue();
        try {
            return Integer.parseInt(v.toString().trim());
        } catch (NumberFormatException e) {
            throw error(key, "expected an integer, got '" + v + "'");
        }
    }

    public long getLong(String key, long dflt) {
        Object v = lookup(key);
        if (v == null) return dflt;
        if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())) return n.longValue();
        try {
            return Long.parseLong(v.toString().trim());
        } catch (NumberFormatException e) {
            throw error(key, "expected an integer, got '" + v + "'");
        }
    }

    public double getDouble(String key, double dflt) {
        Object v = lookup(key);
        if (v == null) return dflt;
        if (v instanceof Number n) return n.doubleValue();
        try {
            return Double.parseDouble(v.toString().trim());
        } catch (NumberFormatException e) {
            throw error(key, "expected a number, got '" + v + "'");
        }
    }

    public boolean getBoolean(String key, boolean dflt) {
        Object v = lookup(key);
        if (v == null) return dflt;
        if (v instanceof Boolean b) return b;
        String s = v.toString().trim().toLowerCase(Locale.ROOT);
        if (s.equals("true")) return true;
        if (s.equals("false")) return false;
        throw error(key, "expected true or false, got '" + v + "'");
    }

    /** One of the allowed values (case-insensitive), returned in lower case. */
    public String getChoice(String key, String dflt, String... allowed) {
        String v = getString(key, dflt);
        if (v == null) return null;
        for (String a : allowed) if (a.equalsIgnoreCase(v)) return a;
        throw error(key, "expected one of " + String.join(", ", allowed) + ", got '" + v + "'");
    }

    /** A list value (a YAML/JSON list, or a comma-separated string). */
    public List<String> getList(String key, List<String> dflt) {
        Object v = lookup(key);
        if (v == null) return dflt;
        List<String> out = new ArrayList<>();
        if (v instanceof List<?> l) {
            for (Object o : l) out.add(String.valueOf(o));
        } else {
            for (String s : v.toString().split(",")) if (!s.isBlank()) out.add(s.trim());
        }
        return out;
    }

    /** A nested section, e.g. {@code optimizer} inside {@code train}. */
    @SuppressWarnings("unchecked")
    public Config section(String key) {
        Object v = lookup(key);
        if (v == null) return new Config(section + "." + key, Map.of());
        if (v instanceof Map<?, ?> m) return new Config(section + "." + key, (Map<String, ?>) m);
        throw error(key, "expected a section (a map of keys), got '" + v + "'");
    }

    /** Keys present but never declared: an error listing the known keys. */
    public Config finish() {
        Set<String> unknown = new TreeSet<>(values.keySet());
        unknown.removeAll(known);
        if (!unknown.isEmpty()) {
            throw new ConfigException(section + ": unknown key" + (unknown.size() > 1 ? "s " : " ")
                    + String.join(", ", unknown.stream().map(k -> "'" + k + "'").toList())
                    + " (known: " + String.join(", ", new TreeSet<>(known)) + ")");
        }
        return this;
    }

    public ConfigException error(String key, String what) {
        return new ConfigException(section + ": key '" + key + "' " + what);
    }

    private Object lookup(String key) {
        known.add(key);
        return values.get(key);
    }
}
