package dev.kiln.api.io;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Recursive descent over {@code text[begin, end)} for {@link Json}; {@code at} is the next
 * character. One pass, no backtracking: a string without escapes is one {@code substring}, a whole
 * number of up to 18 digits is accumulated without a copy. Errors give the line counted from
 * {@code firstLine} and the column.
 */
final class JsonParser {
    private static final int MAX_DEPTH = 256;
    private final String text, source;
    private final int begin, end, firstLine;
    private int at, depth;
    private StringBuilder scratch;

    JsonParser(String text, String source, int begin, int end, int firstLine) {
        this.text = text;
        this.source = source;
        this.begin = begin;
        this.end = end;
        this.firstLine = firstLine;
        this.at = begin;
    }

    /** The one value of the range, white space around it allowed. */
    Object document() throws JsonException {
        Object v = value();
        space();
        if (at < end) throw error("unexpected '" + text.charAt(at) + "' after the value");
        return v;
    }

    private Object value() throws JsonException {
        space();
        if (at >= end) throw error("the text ends where a value should be");
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

    private Map<String, Object> object() throws JsonException {
        at++;                                                   // '{'
        Map<String, Object> out = new LinkedHashMap<>();
        space();
        if (peek('}')) return close(Collections.unmodifiableMap(out));
        while (true) {
            space();
            if (at >= end || text.charAt(at) != '"') throw error("expected a \"key\"");
            int keyAt = at;
            String key = string();
            space();
            expect(':');
            Object v = value();
            int size = out.size();
            out.put(key, v);
            if (out.size() == size) {                           // one hash lookup, not containsKey + put
                at = keyAt;
                throw error("duplicate key \"" + key + "\"");
            }
            space();
            if (peek('}')) return close(Collections.unmodifiableMap(out));
            expect(',');
        }
    }

    private List<Object> array() throws JsonException {
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

    private String string() throws JsonException {
        int start = ++at;                                       // after the opening quote
        while (at < end) {                                      // the common case: no escapes, one substring
            char c = text.charAt(at);
            if (c == '"') return text.substring(start, at++);
            if (c == '\\' || c < 0x20) break;
            at++;
        }
        if (scratch == null) scratch = new StringBuilder();
        StringBuilder b = scratch;
        b.setLength(0);
        b.append(text, start, at);
        while (true) {
            if (at >= end) throw error("unterminated string");
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
            if (at >= end) throw error("unterminated string");
            char e = text.charAt(at++);
            switch (e) {
                case '"', '\\', '/' -> b.append(e);
                case 'b' -> b.append('\b');
                case 'f' -> b.append('\f');
                case 'n' -> b.append('\n');
                case 'r' -> b.append('\r');
                case 't' -> b.append('\t');
                case 'u' -> b.append(hex4());                    // a surrogate pair is two escapes, appended as they come
                default -> {
                    at -= 2;
                    throw error("unknown escape \\" + e);
                }
            }
        }
    }

    private char hex4() throws JsonException {
        int v = 0;
        for (int i = 0; i < 4; i++) {
            int d = at + i < end ? hexDigit(text.charAt(at + i)) : -1;
            if (d < 0) {
                String got = text.substring(at, Math.min(end, at + 4));
                at -= 2;                                        // point at the backslash
                throw error("\\u needs four hex digits, got '" + got + "'");
            }
            v = v << 4 | d;
        }
        at += 4;
        return (char) v;
    }

    private static int hexDigit(char c) {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    }

    /** {@code Long} for a whole number that fits, {@code BigInteger} for a longer one, {@code Double} otherwise. */
    private Object number() throws JsonException {
        int start = at;
        boolean negative = peek('-');
        int digitsAt = at;
        if (!peek('0') && !digits()) throw error("expected a digit");     // a leading zero stands alone
        int digitsEnd = at;
        boolean whole = true;
        if (peek('.')) {
            whole = false;
            if (!digits()) throw error("expected a digit after '.'");
        }
        if (at < end && (text.charAt(at) == 'e' || text.charAt(at) == 'E')) {
            whole = false;
            at++;
            if (!peek('+')) peek('-');
            if (!digits()) throw error("expected a digit in the exponent");
        }
        if (!whole) return Double.parseDouble(text.substring(start, at));
        if (digitsEnd - digitsAt <= 18) {                       // fits a long: no copy, no parse
            long v = 0;
            for (int i = digitsAt; i < digitsEnd; i++) v = v * 10 + (text.charAt(i) - '0');
            return negative ? -v : v;
        }
        BigInteger big = new BigInteger(text.substring(start, at));
        return big.bitLength() < 64 ? (Object) big.longValue() : big;
    }

    private <T> T close(T container) {
        depth--;
        return container;
    }

    private boolean digits() {
        int start = at;
        while (at < end && text.charAt(at) >= '0' && text.charAt(at) <= '9') at++;
        return at > start;
    }

    private Object literal(String word, Object value) throws JsonException {
        if (!text.startsWith(word, at) || at + word.length() > end) throw error("unexpected '" + text.charAt(at) + "'");
        at += word.length();
        return value;
    }

    private void space() {
        while (at < end) {
            char c = text.charAt(at);
            if (c != ' ' && c != '\n' && c != '\r' && c != '\t') return;
            at++;
        }
    }

    private boolean peek(char c) {
        if (at < end && text.charAt(at) == c) {
            at++;
            return true;
        }
        return false;
    }

    private void expect(char c) throws JsonException {
        if (!peek(c)) throw error(at < end ? "expected '" + c + "', got '" + text.charAt(at) + "'" : "expected '" + c + "', the text ends");
    }

    /** Line and column are counted only here, when something is wrong. */
    private JsonException error(String what) {
        int line = firstLine, column = 1;
        for (int i = begin; i < Math.min(at, end); i++) {
            if (text.charAt(i) == '\n') {
                line++;
                column = 1;
            } else {
                column++;
            }
        }
        return new JsonException(source, line, column, what);
    }
}
