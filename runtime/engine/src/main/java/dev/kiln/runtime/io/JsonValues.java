package dev.kiln.runtime.io;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Conversions between core-api {@link dev.kiln.api.io.Json} values and what the runtime hands on.
 */
public final class JsonValues {
    private JsonValues() {}

    /**
     * A parsed value as the YAML reader gives it, so a pipeline config or a JSONL example looks the
     * same whichever file it came from: mutable {@code LinkedHashMap}s and {@code ArrayList}s, and a
     * whole number that fits an int as an {@code Integer} ({@code Long} and {@code BigInteger}
     * beyond).
     */
    public static Object plain(Object v) {
        if (v instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>(m.size() * 4 / 3 + 1);
            for (var e : m.entrySet()) out.put((String) e.getKey(), plain(e.getValue()));
            return out;
        }
        if (v instanceof List<?> l) {
            List<Object> out = new ArrayList<>(l.size());
            for (Object x : l) out.add(plain(x));
            return out;
        }
        if (v instanceof Long n && n == n.intValue()) return n.intValue();
        return v;
    }

    /**
     * {@code v} with every NaN or infinite double or float replaced by its Java name
     * ({@code "NaN"}, {@code "Infinity"}, {@code "-Infinity"}), which JSON can carry; maps and lists
     * are copied. For reports and logs, where a diverged loss must not stop
     * the writing.
     */
    public static Object finite(Object v) {
        if (v instanceof Double d && !Double.isFinite(d)) return d.toString();
        if (v instanceof Float f && !Float.isFinite(f)) return f.toString();
        if (v instanceof Map<?, ?> m) {
            Map<Object, Object> out = new LinkedHashMap<>(m.size() * 4 / 3 + 1);
            for (var e : m.entrySet()) out.put(e.getKey(), finite(e.getValue()));
            return out;
        }
        if (v instanceof List<?> l) {
            List<Object> out = new ArrayList<>(l.size());
            for (Object x : l) out.add(finite(x));
            return out;
        }
        return v;
    }
}
