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
 * {@link #resolved()} gives the section as it was used: defaults filled in for every key read.
 */
public final class Config {
    private final String section;
    private final Map<String, Object> values;
    private final Set<String> known = new LinkedHashSet<>();
    /** The value each typed getter returned (defaults included), or the nested Config a section() gave. */
    private final Map<String, Object> effective = new LinkedHashMap<>();

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
        return note(key, v == null ? dflt : v.toString());
    }

    public String requireString(String key) {
        String v = getString(key, null);
        if (v == null) throw error(key, "is required");
        return v;
    }

    public int getInt(String key, int dflt) {
        Object v = lookup(key);
        if (v == null) return note(key, dflt);
        return note(key, (int) integral(key, v, Integer.MIN_VALUE, Integer.MAX_VALUE, "an int"));
    }

    public long getLong(String key, long dflt) {
        Object v = lookup(key);
        if (v == null) return note(key, dflt);
        return note(key, integral(key, v, Long.MIN_VALUE, Long.MAX_VALUE, "a long"));
    }

    /** A whole number within [min, max]; a fraction, a non-number or an out-of-range value is an error naming the key. */
    private long integral(String key, Object v, long min, long max, String holder) {
        java.math.BigDecimal d;
        try {
            if (v instanceof java.math.BigInteger b) d = new java.math.BigDecimal(b);
            else if (v instanceof java.math.BigDecimal b) d = b;
            else if (v instanceof Double || v instanceof Float) d = java.math.BigDecimal.valueOf(((Number) v).doubleValue());
            else if (v instanceof Number n) d = java.math.BigDecimal.valueOf(n.longValue());
            else d = new java.math.BigDecimal(v.toString().trim());
        } catch (NumberFormatException e) {
            throw error(key, "expected an integer, got '" + v + "'");
        }
        if (d.signum() != 0 && d.stripTrailingZeros().scale() > 0) throw error(key, "expected an integer, got '" + v + "'");
        if (d.compareTo(java.math.BigDecimal.valueOf(min)) < 0 || d.compareTo(java.math.BigDecimal.valueOf(max)) > 0)
            throw error(key, "is out of range: " + v + " (" + holder + " holds " + min + " … " + max + ")");
        return d.longValueExact();
    }

    public double getDouble(String key, double dflt) {
        Object v = lookup(key);
        if (v == null) return note(key, dflt);
        if (v instanceof Number n) return note(key, n.doubleValue());
        try {
            return note(key, Double.parseDouble(v.toString().trim()));
        } catch (NumberFormatException e) {
            throw error(key, "expected a number, got '" + v + "'");
        }
    }

    public boolean getBoolean(String key, boolean dflt) {
        Object v = lookup(key);
        if (v == null) return note(key, dflt);
        if (v instanceof Boolean b) return note(key, b);
        String s = v.toString().trim().toLowerCase(Locale.ROOT);
        if (s.equals("true")) return note(key, true);
        if (s.equals("false")) return note(key, false);
        throw error(key, "expected true or false, got '" + v + "'");
    }

    /** One of the allowed values (case-insensitive), returned in lower case. */
    public String getChoice(String key, String dflt, String... allowed) {
        String v = getString(key, dflt);
        if (v == null) return null;
        for (String a : allowed) if (a.equalsIgnoreCase(v)) return note(key, a);
        throw error(key, "expected one of " + String.join(", ", allowed) + ", got '" + v + "'");
    }

    /** A list value (a YAML/JSON list, or a comma-separated string). */
    public List<String> getList(String key, List<String> dflt) {
        Object v = lookup(key);
        if (v == null) return note(key, dflt);
        List<String> out = new ArrayList<>();
        if (v instanceof List<?> l) {
            for (Object o : l) out.add(String.valueOf(o));
        } else {
            for (String s : v.toString().split(",")) if (!s.isBlank()) out.add(s.trim());
        }
        return note(key, out);
    }

    /** A nested section, e.g. {@code optimizer} inside {@code train}. */
    @SuppressWarnings("unchecked")
    public Config section(String key) {
        Object v = lookup(key);
        if (v == null) return note(key, new Config(section + "." + key, Map.of()));
        if (v instanceof Map<?, ?> m) return note(key, new Config(section + "." + key, (Map<String, ?>) m));
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

    /**
     * The section as it was used: every key it has, and every key a getter read with the value it
     * returned (a default where the key was absent), nested sections likewise. Keys read with no
     * value and no default are left out.
     */
    public Map<String, Object> resolved() {
        Map<String, Object> out = new LinkedHashMap<>(values);
        for (var e : effective.entrySet()) {
            Object v = e.getValue() instanceof Config c ? c.resolved() : e.getValue();
            if (v != null) out.put(e.getKey(), v);
        }
        return out;
    }

    public ConfigException error(String key, String what) {
        return new ConfigException(section + ": key '" + key + "' " + what);
    }

    private <T> T note(String key, T value) {
        effective.put(key, value);
        return value;
    }

    private Object lookup(String key) {
        known.add(key);
        return values.get(key);
    }
}
