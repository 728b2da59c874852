package dev.kiln.runtime.chat;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Python's {@code json.dumps(x, ensure_ascii=False, indent=..., separators=..., sort_keys=...)}, the
 * {@code tojson} filter transformers gives chat templates (not Jinja2's own, which escapes HTML
 * characters): item separator {@code ", "} and key separator {@code ": "} without an indent,
 * {@code ","} with one; non-ASCII characters as they are; control characters as
 * {@code \n}, {@code \t} ... or a six-character escape (backslash, u, four hex digits); floats as Python's {@code repr} writes them.
 */
final class PyJson {
    private PyJson() {}

    /** @param indent null for one line; otherwise the indent string of one level */
    static String dumps(Object value, String indent, String itemSeparator, String keySeparator, boolean sortKeys) {
        String items = itemSeparator != null ? itemSeparator : (indent == null ? ", " : ",");
        String keys = keySeparator != null ? keySeparator : ": ";
        StringBuilder b = new StringBuilder();
        write(value, b, indent, items, keys, sortKeys, 0);
        return b.toString();
    }

    private static void write(Object v, StringBuilder b, String indent, String items, String keys, boolean sort, int level) {
        if (v == null) b.append("null");
        else if (v instanceof Boolean x) b.append(x ? "true" : "false");
        else if (v instanceof Double || v instanceof Float) b.append(floatRepr(((Number) v).doubleValue()));
        else if (v instanceof BigDecimal d) b.append(floatRepr(d.doubleValue()));
        else if (v instanceof Number n && (n instanceof Long || n instanceof Integer || n instanceof Short || n instanceof Byte
                || n instanceof BigInteger)) b.append(n);
        else if (v instanceof Number n) b.append(floatRepr(n.doubleValue()));
        else if (v instanceof Map<?, ?> m) {
            if (m.isEmpty()) {
                b.append("{}");
                return;
            }
            List<Map.Entry<?, ?>> entries = new ArrayList<>(m.entrySet());
            if (sort) entries.sort((x, y) -> String.valueOf(x.getKey()).compareTo(String.valueOf(y.getKey())));
            b.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : entries) {
                if (!first) b.append(items);
                first = false;
                newline(b, indent, level + 1);
                quote(keyString(e.getKey()), b);
                b.append(keys);
                write(e.getValue(), b, indent, items, keys, sort, level + 1);
            }
            newline(b, indent, level);
            b.append('}');
        } else if (v instanceof Iterable<?> it) {
            if (!it.iterator().hasNext()) {
                b.append("[]");
                return;
            }
            b.append('[');
            boolean first = true;
            for (Object o : it) {
                if (!first) b.append(items);
                first = false;
                newline(b, indent, level + 1);
                write(o, b, indent, items, keys, sort, level + 1);
            }
            newline(b, indent, level);
            b.append(']');
        } else if (v instanceof Object[] arr) write(java.util.Arrays.asList(arr), b, indent, items, keys, sort, level);
        else quote(v.toString(), b);
    }

    /** JSON object keys: Python writes True / None / numbers as strings. */
    private static String keyString(Object k) {
        if (k == null) return "null";
        if (k instanceof Boolean x) return x ? "true" : "false";
        if (k instanceof Double || k instanceof Float) return floatRepr(((Number) k).doubleValue());
        return k.toString();
    }

    private static void newline(StringBuilder b, String indent, int level) {
        if (indent == null) return;
        b.append('\n');
        for (int i = 0; i < level; i++) b.append(indent);
    }

    static void quote(String s, StringBuilder b) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                case '\b' -> b.append("\\b");
                case '\f' -> b.append("\\f");
                default -> {
                    if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
                    else b.append(c);
                }
            }
        }
        b.append('"');
    }

    /** Python's {@code float.__repr__}: the shortest digits, exponent form below 1e-4 and from 1e16. */
    static String floatRepr(double d) {
        if (Double.isNaN(d)) return "NaN";
        if (Double.isInfinite(d)) return d > 0 ? "Infinity" : "-Infinity";
        if (d == 0) return (1 / d < 0) ? "-0.0" : "0.0";
        BigDecimal exact = new BigDecimal(Double.toString(d)).stripTrailingZeros();
        String digits = exact.unscaledValue().abs().toString();
        int exponent = digits.length() - 1 - exact.scale();          // d = 0.digits × 10^(exponent + 1)
        String sign = d < 0 ? "-" : "";
        if (exponent < -4 || exponent >= 16) {
            String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
            return sign + mantissa + "e" + (exponent < 0 ? "-" : "+") + String.format("%02d", Math.abs(exponent));
        }
        if (exponent < 0) return sign + "0." + "0".repeat(-exponent - 1) + digits;
        if (digits.length() <= exponent + 1) return sign + digits + "0".repeat(exponent + 1 - digits.length()) + ".0";
        return sign + digits.substring(0, exponent + 1) + "." + digits.substring(exponent + 1);
    }
}
