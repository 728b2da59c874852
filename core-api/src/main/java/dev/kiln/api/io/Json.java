package dev.kiln.api.io;

import java.io.IOException;
import java.lang.reflect.Array;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Kiln's one JSON implementation, JDK only (plugins can use it). {@link #parse} is strict
 * (RFC 8259: one value, no trailing commas or comments, duplicate keys refused) and gives objects
 * as unmodifiable insertion-ordered {@code Map<String, Object>}, arrays as unmodifiable
 * {@code List<Object>}, strings, {@code Long} for whole numbers written without fraction or
 * exponent ({@code BigInteger} beyond a long), {@code Double} for the others, {@code Boolean} and
 * {@code null}. Errors are {@link JsonException}s naming the source, line and column.
 *
 * <p>{@link #write} prints values the way Python's {@code json.dumps} does by default
 * ({@code {"a": [1, 2]}}), {@link #compact} without spaces, {@link #pretty} indented by two spaces
 * ({@code json.dumps(v, indent=2)}, as Hugging Face writes tokenizer.json). Whole doubles below
 * 10^15 are written without a fraction ({@code 16}), so they read back as {@code Long}; NaN and the
 * infinities have no JSON form and are refused.
 */
public final class Json {
    private Json() {}

    /** The value {@code text} holds; a {@link JsonException} naming {@code source}, the line and the column where it is not JSON. */
    public static Object parse(String text, String source) throws JsonException {
        return new JsonParser(text, source, 0, text.length(), 1).document();
    }

    /** {@link #parse}, requiring an object at the top. */
    public static JsonObject parseObject(String text, String source) throws IOException {
        return JsonObject.of(parse(text, source), source);
    }

    /** The value in a UTF-8 file (a leading byte order mark is skipped); errors name the file. */
    public static Object read(Path file) throws IOException {
        return parse(readText(file), file.toString());
    }

    /** {@link #read}, requiring an object at the top. */
    public static JsonObject readObject(Path file) throws IOException {
        return JsonObject.of(read(file), file.toString());
    }

    /** A file's text as UTF-8 without a leading byte order mark; an error naming the file when it is not UTF-8. */
    public static String readText(Path file) throws IOException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (MalformedInputException e) {
            throw new IOException(file + ": not valid UTF-8 text", e);
        }
        return text.startsWith("\uFEFF") ? text.substring(1) : text;
    }

    /** What {@link #forEachLine} hands over: a line's 1-based number in the text, and its value. */
    @FunctionalInterface
    public interface LineVisitor {
        void accept(int line, Object value) throws IOException;
    }

    /**
     * JSON Lines: parses each line of {@code text} that is not blank as one value, in order, without
     * copying the line. A line that is not one JSON value stops the walk with a
     * {@link JsonException} whose line is the line in {@code text}; whatever {@code visitor} throws
     * stops it too.
     */
    public static void forEachLine(String text, String source, LineVisitor visitor) throws IOException {
        int line = 0, start = 0, n = text.length();
        while (start < n) {
            int nl = text.indexOf('\n', start);
            if (nl < 0) nl = n;
            line++;
            if (!blank(text, start, nl)) visitor.accept(line, new JsonParser(text, source, start, nl, line).document());
            start = nl + 1;
        }
    }

    private static boolean blank(String text, int from, int to) {
        for (int i = from; i < to; i++) {
            char c = text.charAt(i);
            if (c != ' ' && c != '\t' && c != '\r') return false;
        }
        return true;
    }

    /** {@code value} as JSON with Python's default separators: {@code ", "} and {@code ": "}. */
    public static String write(Object value) {
        StringBuilder out = new StringBuilder();
        append(out, value, ", ", -1);
        return out.toString();
    }

    /** {@code value} as JSON without optional white space. */
    public static String compact(Object value) {
        StringBuilder out = new StringBuilder();
        append(out, value, ",", -1);
        return out.toString();
    }

    /**
     * {@code value} as JSON with each member and element on its own line, indented by two spaces
     * per level, {@code "key": value}; empty objects and lists as {@code {}} and {@code []}. No
     * final newline.
     */
    public static String pretty(Object value) {
        StringBuilder out = new StringBuilder();
        append(out, value, ",", 0);
        return out.toString();
    }

    /** A JSON string literal for {@code s} (quotes, backslashes and control characters escaped), or {@code null}. */
    public static String quote(String s) {
        if (s == null) return "null";
        StringBuilder b = new StringBuilder(s.length() + 2);
        quote(b, s);
        return b.toString();
    }

    /** A number as JSON: whole values without a fraction ({@code 16}, not {@code 16.0}), others as Java prints them. */
    public static String number(double d) {
        if (!Double.isFinite(d)) throw new IllegalArgumentException("JSON has no " + d);
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
    }

    /** A float printed as the float it is ({@code 0.1}, not {@code 0.10000000149011612}); not an overload of number, which ints would pick. */
    private static String floatNumber(float f) {
        if (!Float.isFinite(f)) throw new IllegalArgumentException("JSON has no " + f);
        return f == Math.rint(f) && Math.abs(f) < 1e15f ? Long.toString((long) f) : Float.toString(f);
    }

    private static void quote(StringBuilder b, String s) {
        b.append('"');
        int plain = 0;                                          // start of the run not yet copied
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch >= 0x20 && ch != '"' && ch != '\\') continue;
            b.append(s, plain, i);
            plain = i + 1;
            switch (ch) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                case '\b' -> b.append("\\b");
                case '\f' -> b.append("\\f");
                default -> b.append("\\u00").append(Character.forDigit(ch >> 4, 16)).append(Character.forDigit(ch & 15, 16));
            }
        }
        b.append(s, plain, s.length()).append('"');
    }

    /** {@code level} < 0: on one line, members separated by {@code comma}; otherwise indented from that level. */
    private static void append(StringBuilder out, Object v, String comma, int level) {
        if (v == null) out.append("null");
        else if (v instanceof String s) quote(out, s);
        else if (v instanceof Boolean b) out.append(b);
        else if (v instanceof Double d) out.append(number(d));
        else if (v instanceof Float f) out.append(floatNumber(f));
        else if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte || v instanceof BigInteger) out.append(v);
        else if (v instanceof BigDecimal d) out.append(d.toString());
        else if (v instanceof Number n) out.append(number(n.doubleValue()));
        else if (v instanceof Map<?, ?> m) {
            out.append('{');
            boolean first = true;
            for (var e : m.entrySet()) {
                if (!(e.getKey() instanceof String key)) throw new IllegalArgumentException("JSON object keys are strings, got " + e.getKey());
                separate(out, first, comma, level + 1);
                quote(out, key);
                out.append(comma.length() > 1 || level >= 0 ? ": " : ":");
                append(out, e.getValue(), comma, level < 0 ? level : level + 1);
                first = false;
            }
            if (!first && level >= 0) newline(out, level);
            out.append('}');
        } else if (v instanceof List<?> l) {
            out.append('[');
            for (int i = 0; i < l.size(); i++) {
                separate(out, i == 0, comma, level + 1);
                append(out, l.get(i), comma, level < 0 ? level : level + 1);
            }
            if (!l.isEmpty() && level >= 0) newline(out, level);
            out.append(']');
        } else if (v.getClass().isArray()) {                   // int[], long[], double[], String[], ...
            List<Object> l = new ArrayList<>(Array.getLength(v));
            for (int i = 0; i < Array.getLength(v); i++) l.add(Array.get(v, i));
            append(out, l, comma, level);
        } else {
            throw new IllegalArgumentException("no JSON form for " + v.getClass().getName());
        }
    }

    private static void separate(StringBuilder out, boolean first, String comma, int level) {
        if (!first) out.append(comma);
        if (level > 0) newline(out, level);
    }

    private static void newline(StringBuilder out, int level) {
        out.append('\n');
        for (int i = 0; i < level; i++) out.append("  ");
    }
}
