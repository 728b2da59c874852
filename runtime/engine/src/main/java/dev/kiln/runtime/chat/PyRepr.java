package dev.kiln.runtime.chat;

import com.hubspot.jinjava.objects.SafeString;

import java.math.BigDecimal;
import java.util.Map;

/**
 * Python's {@code str()} and {@code repr()} of template values, which is what Jinja2 prints for
 * {@code {{ value }}}: {@code True} / {@code False}, floats as Python writes them, lists and dicts
 * as {@code [1, 'x']} / {@code {'a': None}}. A null at the top level prints as nothing: Jinjava
 * does not tell an undefined variable (Jinja2 prints nothing) from None (Jinja2 prints "None"), and
 * the undefined case is the one templates rely on (e.g. {@code {{ bos_token }}} for a tokenizer
 * without one).
 */
final class PyRepr {
    private PyRepr() {}

    static String str(Object v) {
        if (v == null) return "";
        if (v instanceof String s) return s;
        if (v instanceof SafeString s) return s.toString();
        return repr(v);
    }

    static String repr(Object v) {
        StringBuilder b = new StringBuilder();
        repr(v, b);
        return b.toString();
    }

    private static void repr(Object v, StringBuilder b) {
        if (v == null) b.append("None");
        else if (v instanceof Boolean x) b.append(x ? "True" : "False");
        else if (v instanceof Double || v instanceof Float || v instanceof BigDecimal) b.append(PyJson.floatRepr(((Number) v).doubleValue()));
        else if (v instanceof Number n) b.append(n);
        else if (v instanceof CharSequence || v instanceof SafeString || v instanceof Character) quote(v.toString(), b);
        else if (v instanceof Map<?, ?> m) {
            b.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (!first) b.append(", ");
                first = false;
                repr(e.getKey(), b);
                b.append(": ");
                repr(e.getValue(), b);
            }
            b.append('}');
        } else if (v instanceof Iterable<?> it) {
            b.append('[');
            boolean first = true;
            for (Object o : it) {
                if (!first) b.append(", ");
                first = false;
                repr(o, b);
            }
            b.append(']');
        } else b.append(v);
    }

    /** Python's string repr: single quotes unless the text has one and no double quote. */
    private static void quote(String s, StringBuilder b) {
        char q = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
        b.append(q);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == q || c == '\\') b.append('\\').append(c);
            else if (c == '\n') b.append("\\n");
            else if (c == '\r') b.append("\\r");
            else if (c == '\t') b.append("\\t");
            else if (c < 0x20 || c == 0x7F) b.append(String.format("\\x%02x", (int) c));
            else b.append(c);
        }
        b.append(q);
    }
}
