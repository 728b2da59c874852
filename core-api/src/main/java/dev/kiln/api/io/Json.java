package dev.kiln.api.io;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Just enough JSON for the small files plugins read and write (safetensors headers, PEFT's
 * {@code adapter_config.json}), JDK only. {@link #parse} is strict (RFC 8259: one value, no
 * trailing commas or comments, duplicate keys refused) and gives objects as insertion-ordered
 * {@code Map<String, Object>}, arrays as {@code List<Object>}, strings, {@code Long} for whole
 * numbers written without fraction or exponent, {@code Double} for the others, {@code Boolean}
 * and {@code null}. {@link #write} prints the same values back the way Python's
 * {@code json.dumps} does by default ({@code {"a": [1, 2]}}); {@link #compact} without spaces.
 */
public final class Json {
    private Json() {}

    /** The value {@code text} holds; an error naming {@code source}, the line and the column where it is not JSON. */
    public static Object parse(String text, String source) throws IOException {
        return new Parser(text, source).document();
    }

    /** {@link #parse}, requiring an object at the top. */
    public static JsonObject parseObject(String text, String source) throws IOException {
        return JsonObject.of(parse(text, source), source);
    }

    /** {@code value} as JSON with Python's default separators: {@code ", "} and {@code ": "}. */
    public static String write(Object value) {
        StringBuilder out = new StringBuilder();
        append(out, value, ", ", ": ");
        return out.toString();
    }

    /** {@code value} as JSON without optional white space. */
    public static String compact(Object value) {
        StringBuilder out = new StringBuilder();
        append(out, value, ",", ":");
        return out.toString();
    }

    /** A JSON string literal for {@code s} (quotes, backslashes and control characters escaped), or {@code null}. */
    public static String quote(String s) {
        if (s == null) return "null";
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            switch (ch) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                case '\b' -> b.append("\\b");
                case '\f' -> b.append("\\f");
                default -> {
                    if (ch < 0x20) b.append(String.format(Locale.ROOT, "\\u%04x", (int) ch));
                    else b.append(ch);
                }
            }
        }
        return b.append('"').toString();
    }

    /** A number as JSON: whole values without a fraction ({@code 16}, not {@code 16.0}), others as Java prints them. */
    public static String number(double d) {
        if (!Double.isFinite(d)) throw new IllegalArgumentException("JSON has no " + d);
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
    }

    private static void append(StringBuilder out, Object v, String comma, String colon) {
        if (v == null) out.append("null");
        else if (v instanceof String s) out.append(quote(s));
        else if (v instanceof Boolean b) out.append(b);
        else if (v instanceof Double || v instanceof Float) out.append(number(((Number) v).doubleValue()));
        else if (v instanceof Number n) out.append(n.longValue());
        else if (v instanceof Map<?, ?> m) {
            out.append('{');
            String sep = "";
            for (var e : m.entrySet()) {
                if (!(e.getKey() instanceof String key)) throw new IllegalArgumentException("JSON object keys are strings, got " + e.getKey());
                out.append(sep).append(quote(key)).append(colon);
                append(out, e.getValue(), comma, colon);
                sep = comma;
            }
            out.append('}');
        } else if (v instanceof List<?> l) {
            out.append('[');
            for (int i = 0; i < l.size(); i++) {
                if (i > 0) out.append(comma);
                append(out, l.get(i), comma, colon);
            }
            out.append(']');
        } else if (v instanceof int[] a) {
            List<Object> boxed = new ArrayList<>();
            for (int x : a) boxed.add(x);
            append(out, boxed, comma, colon);
        } else {
            throw new IllegalArgumentException("no JSON form for " + v.getClass().getName());
        }
    }

    /** Recursive descent over the text; {@code at} is the next character. */
    private static final class Parser {
        private static final int MAX_DEPTH = 256;
        private final String text, source;
        private int at, depth;

        Parser(String text, String source) {
            this.text = text;
            this.source = source;
        }

        Object document() throws IOException {
            Object v = value();
            space();
            if (at < text.length()) throw error("unexpected '" + text.charAt(at) + "' after the value");
            return v;
        }

        private Object value() throws IOException {
            space();
            if (at >= text.length()) throw error("the text ends where a value should be");
            char c = text.charAt(at);
            if ((c == '{' || c == '[') && ++depth > MAX_DEPTH) throw error("nested deeper than " + MAX_DEPTH + " levels");
            return switch (c) {
                case '{' -> object();
                case '[' -> array();
                case '"' -> string();
                case 't' -> literal("true", Boolean.TRUE);
                case 'f' -> literal("false", Boolean.FALSE);
                case 'n' -> literal("null", null);
                default -> {
                    if (c == '-' || (c >= '0' && c <= '9')) yield number();
                    throw error("unexpected '" + c + "'");
                }
            };
        }

        private Map<String, Object> object() throws IOException {
            at++;                                                   // '{'
            Map<String, Object> out = new LinkedHashMap<>();
            space();
            if (peek('}')) return close(Collections.unmodifiableMap(out));
            while (true) {
                space();
                if (at >= text.length() || text.charAt(at) != '"') throw error("expected a \"key\"");
                int keyAt = at;
                String key = string();
                space();
                expect(':');
                Object v = value();
                if (out.containsKey(key)) {
                    at = keyAt;
                    throw error("duplicate key \"" + key + "\"");
                }
                out.put(key, v);
                space();
                if (peek('}')) return close(Collections.unmodifiableMap(out));
                expect(',');
            }
        }

        private List<Object> array() throws IOException {
            at++;                                                   // '['
            List<Object> out = new ArrayList<>();
            space();
            if (peek(']')) return close(Collections.unmodifiableList(out));
            while (true) {
                out.add(value());
                space();
                if (peek(']')) return close(Collections.unmodifiableList(out));
                expect(',');
            }
        }

        private String string() throws IOException {
            at++;                                                   // opening quote
            StringBuilder b = new StringBuilder();
            while (true) {
                if (at >= text.length()) throw error("unterminated string");
                char c = text.charAt(at++);
                if (c == '"') return b.toString();
                if (c < 0x20) {
                    at--;
                    throw error("control character U+" + String.format(Locale.ROOT, "%04X", (int) c) + " inside a string");
                }
                if (c != '\\') {
                    b.append(c);
                    continue;
                }
                if (at >= text.length()) throw error("unterminated string");
                char e = text.charAt(at++);
                switch (e) {
                    case '"', '\\', '/' -> b.append(e);
                    case 'b' -> b.append('\b');
                    case 'f' -> b.append('\f');
                    case 'n' -> b.append('\n');
                    case 'r' -> b.append('\r');
                    case 't' -> b.append('\t');
                    case 'u' -> {
                        if (at + 4 > text.length()) throw error("\\u needs four hex digits");
                        try {
                            b.append((char) Integer.parseInt(text.substring(at, at + 4), 16));
                        } catch (NumberFormatException bad) {
                            throw error("\\u needs four hex digits, got '" + text.substring(at, at + 4) + "'");
                        }
                        at += 4;
                    }
                    default -> {
                        at -= 2;
                        throw error("unknown escape \\" + e);
                    }
                }
            }
        }

        private Object number() throws IOException {
            int start = at;
            peek('-');
            if (!peek('0') && !digits()) throw error("expected a digit");     // a leading zero stands alone
            boolean whole = true;
            if (peek('.')) {
                whole = false;
                if (!digits()) throw error("expected a digit after '.'");
            }
            if (at < text.length() && (text.charAt(at) == 'e' || text.charAt(at) == 'E')) {
                whole = false;
                at++;
                if (!peek('+')) peek('-');
                if (!digits()) throw error("expected a digit in the exponent");
            }
            String n = text.substring(start, at);
            if (whole) {
                try {
                    return Long.parseLong(n);
                } catch (NumberFormatException tooLong) {
                    return Double.parseDouble(n);
                }
            }
            return Double.parseDouble(n);
        }

        private <T> T close(T container) {
            depth--;
            return container;
        }

        private boolean digits() {
            int start = at;
            while (at < text.length() && text.charAt(at) >= '0' && text.charAt(at) <= '9') at++;
            return at > start;
        }

        private Object literal(String word, Object value) throws IOException {
            if (!text.startsWith(word, at)) throw error("unexpected '" + text.charAt(at) + "'");
            at += word.length();
            return value;
        }

        private void space() {
            while (at < text.length() && " \t\n\r".indexOf(text.charAt(at)) >= 0) at++;
        }

        private boolean peek(char c) {
            if (at < text.length() && text.charAt(at) == c) {
                at++;
                return true;
            }
            return false;
        }

        private void expect(char c) throws IOException {
            if (!peek(c)) throw error(at < text.length() ? "expected '" + c + "', got '" + text.charAt(at) + "'" : "expected '" + c + "', the text ends");
        }

        private IOException error(String what) {
            int line = 1, column = 1;
            for (int i = 0; i < Math.min(at, text.length()); i++) {
                if (text.charAt(i) == '\n') { line++; column = 1; } else column++;
            }
            return new IOException(source + ": not valid JSON at line " + line + ", column " + column + ": " + what);
        }
    }
}
