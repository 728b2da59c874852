package dev.kiln.api.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** What Json gained to replace Jackson: numbers, escapes, indentation, files, JSON Lines, error positions. */
class JsonFormsTest {
    @TempDir
    Path dir;

    private static Map<String, Object> sample() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("text", "quote \" backslash \\ slash / newline \n tab \t bell \u0007 é 窯 🔥");
        m.put("long", Long.MIN_VALUE);
        m.put("max", Long.MAX_VALUE);
        m.put("double", 3e-4);
        m.put("tiny", Double.MIN_VALUE);
        m.put("huge", 1.7976931348623157e308);
        m.put("negative", -0.125);
        m.put("big", new BigInteger("123456789012345678901234567890"));
        m.put("list", List.of(1L, List.of(), Map.of(), true, false));
        m.put("nothing", null);
        return m;
    }

    @Test
    void everyFormReadsBackAsWritten() throws IOException {
        Map<String, Object> m = sample();
        for (String text : List.of(Json.write(m), Json.compact(m), Json.pretty(m))) assertEquals(m, Json.parse(text, "t"), text);
        assertEquals(Json.pretty(m), Json.pretty(Json.parse(Json.pretty(m), "t")), "writing what was read gives the same text");
    }

    @Test
    void numbersAreReadFaithfully() throws IOException {
        assertEquals(9223372036854775807L, Json.parse("9223372036854775807", "n"));
        assertEquals(-9223372036854775808L, Json.parse("-9223372036854775808", "n"));
        assertEquals(new BigInteger("9223372036854775808"), Json.parse("9223372036854775808", "n"), "beyond a long: exact, not a double");
        assertEquals(new BigInteger("-123456789012345678901"), Json.parse("-123456789012345678901", "n"));
        assertEquals(999999999999999999L, Json.parse("999999999999999999", "n"));
        assertEquals(0L, Json.parse("-0", "n"));
        assertEquals(-0.0, Json.parse("-0.0", "n"));
        assertEquals(0.1, Json.parse("0.1", "n"));
        assertEquals(1e22, Json.parse("1E+22", "n"));
        assertEquals(2.5e-7, Json.parse("25e-8", "n"));
        assertEquals(4.9e-324, Json.parse("4.9e-324", "n"));
        assertEquals(Double.POSITIVE_INFINITY, Json.parse("1e999", "n"), "out of range, as Double.parseDouble gives it");
        assertEquals("0.1", Json.compact(0.1f), "a float is printed as the float it is");
        assertEquals("16", Json.compact(16f));
        assertEquals("1.0E-5", Json.compact(1e-5));
        assertEquals("12.50", Json.compact(new BigDecimal("12.50")));
        assertEquals("[7, 8]", Json.write(List.of((short) 7, (byte) 8)));
        assertThrows(IllegalArgumentException.class, () -> Json.compact(Float.NaN));
        assertThrows(IllegalArgumentException.class, () -> Json.compact(List.of(Double.POSITIVE_INFINITY)));
    }

    @Test
    void escapesIncludingSurrogatePairs() throws IOException {
        assertEquals("😀", Json.parse("\"\\ud83d\\ude00\"", "s"), "a pair of \\u escapes is one code point");
        assertEquals("😀", Json.parse("\"😀\"", "s"));
        assertEquals("\"😀 \\u0000 \\u001f \\b\\f\"", Json.quote("😀 \u0000 \u001f \b\f"));
        assertEquals("A\u00e9\u4e2d", Json.parse("\"\\u0041\\u00E9\\u4e2D\"", "s"));
        assertEquals("a/b", Json.parse("\"a\\/b\"", "s"));
        for (String s : new String[] {"\u0000", "\uD83D", "\uDE00x", "\"\\\n\r\t\b\f", "x".repeat(10_000) + "\\"}) {
            assertEquals(s, Json.parse(Json.quote(s), "s"), "round trip of " + Json.quote(s));
        }
        JsonException e = assertThrows(JsonException.class, () -> Json.parse("\"ab\\u+12a\"", "s"));
        assertEquals(4, e.column(), "points at the escape: " + e.getMessage());
        assertTrue(e.problem().contains("four hex digits"), e.getMessage());
        assertThrows(JsonException.class, () -> Json.parse("\"\\u12\"", "s"));
    }

    @Test
    void prettyIndentsByTwoSpaces() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("a", 1);
        m.put("b", List.of("x", Map.of("k", false)));
        m.put("e", Map.of());
        m.put("f", List.of());
        assertEquals("""
                {
                  "a": 1,
                  "b": [
                    "x",
                    {
                      "k": false
                    }
                  ],
                  "e": {},
                  "f": []
                }""", Json.pretty(m));
        assertEquals("3", Json.pretty(3));
        assertEquals("[1,-2]", Json.compact(new long[] {1, -2}), "Java arrays are JSON arrays");
        assertEquals("[0.5,2]", Json.compact(new double[] {0.5, 2}));
        assertEquals("[\"a\",null]", Json.compact(new String[] {"a", null}));
    }

    @Test
    void errorsGiveLineColumnAndProblem() {
        JsonException e = assertThrows(JsonException.class, () -> Json.parse("{\n  \"a\": [1,\n    2,,\n]}", "f.json"));
        assertEquals("f.json", e.source());
        assertEquals(3, e.line());
        assertEquals(7, e.column());
        assertEquals("unexpected ','", e.problem());
        assertEquals("f.json: not valid JSON at line 3, column 7: unexpected ','", e.getMessage());
        JsonException dup = assertThrows(JsonException.class, () -> Json.parse("{\"a\": 1,\n \"a\": 2}", "f"));
        assertEquals(2, dup.line());
        assertEquals(2, dup.column(), "points at the repeated key");
        JsonException end = assertThrows(JsonException.class, () -> Json.parse("[1, 2", "f"));
        assertEquals(6, end.column());
        assertTrue(end.problem().contains("the text ends"), end.problem());
        JsonException ctl = assertThrows(JsonException.class, () -> Json.parse("\"a\tb\"", "f"));
        assertEquals(3, ctl.column());
    }

    @Test
    void filesAreUtf8WithoutByteOrderMark() throws IOException {
        Path f = dir.resolve("a.json");
        Files.writeString(f, "\uFEFF{\"k\": \"窯\"}");
        assertEquals("窯", Json.readObject(f).string("k"));
        Files.writeString(f, "{\"k\":\n 1 2}");
        JsonException e = assertThrows(JsonException.class, () -> Json.read(f));
        assertEquals(f.toString(), e.source());
        assertEquals(2, e.line());
        Files.write(f, new byte[] {'"', (byte) 0xC3, '"'});
        IOException bad = assertThrows(IOException.class, () -> Json.read(f));
        assertTrue(bad.getMessage().contains(f + ": not valid UTF-8"), bad.getMessage());
        Files.writeString(f, "[1]");
        assertTrue(assertThrows(IOException.class, () -> Json.readObject(f)).getMessage().startsWith(f + ": expected a JSON object"));
    }

    @Test
    void jsonLinesGiveEachValueWithItsLineNumber() throws IOException {
        List<String> seen = new ArrayList<>();
        Json.forEachLine("{\"a\": 1}\n\n  \r\n[2]\r\n\"three\"", "d.jsonl", (line, v) -> seen.add(line + "=" + Json.compact(v)));
        assertEquals(List.of("1={\"a\":1}", "4=[2]", "5=\"three\""), seen);
        JsonException e = assertThrows(JsonException.class,
                () -> Json.forEachLine("{\"a\": 1}\n{\"a\": 1}\n{\"b\": oops}\n", "d.jsonl", (line, v) -> {}));
        assertEquals(3, e.line());
        assertEquals(7, e.column());
        assertThrows(JsonException.class, () -> Json.forEachLine("{\"a\": 1} {\"b\": 2}", "d", (line, v) -> {}), "two values on a line");
        assertThrows(JsonException.class, () -> Json.forEachLine("{\"a\":\n 1}", "d", (line, v) -> {}), "a value spans one line");
        IOException mine = assertThrows(IOException.class,
                () -> Json.forEachLine("1\n2", "d", (line, v) -> { if (line == 2) throw new IOException("stop at " + v); }));
        assertEquals("stop at 2", mine.getMessage());
    }
}
