package dev.kiln.api.io;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class JsonTest {
    @Test
    void parsesEveryKindOfValue() throws IOException {
        Object v = Json.parse("""
                {"s": "a\\"b\\\\c\\n\\u00e9\\/", "i": -12, "big": 12345678901234, "d": 0.5, "e": 1E-3, "t": true, "f": false,
                 "n": null, "l": [1, "x", [], {}], "o": {"k": [0]}}""", "test");
        Map<String, Object> expected = new LinkedHashMap<>();
        expected.put("s", "a\"b\\c\né/");
        expected.put("i", -12L);
        expected.put("big", 12345678901234L);
        expected.put("d", 0.5);
        expected.put("e", 1e-3);
        expected.put("t", true);
        expected.put("f", false);
        expected.put("n", null);
        expected.put("l", List.of(1L, "x", List.of(), Map.of()));
        expected.put("o", Map.of("k", List.of(0L)));
        assertEquals(expected, v);
        assertEquals(List.copyOf(expected.keySet()), List.copyOf(((Map<?, ?>) v).keySet()), "file order kept");
    }

    @Test
    void refusesWhatIsNotJsonNamingSourceLineAndColumn() {
        for (String bad : new String[] {"", "{", "{\"a\" 1}", "{\"a\": 1,}", "[1 2]", "{'a': 1}", "01", "1.", "-", "tru", "\"a\nb\"",
                                        "\"\\x\"", "{\"a\": 1} x", "{\"a\": 1, \"a\": 2}", "[".repeat(300) + "]".repeat(300)}) {
            IOException e = assertThrows(IOException.class, () -> Json.parse(bad, "cfg.json"), bad);
            assertTrue(e.getMessage().startsWith("cfg.json: not valid JSON at line 1, column "), bad + " -> " + e.getMessage());
        }
        IOException e = assertThrows(IOException.class, () -> Json.parse("{\n  \"a\": 1,\n  \"b\": x\n}", "cfg.json"));
        assertTrue(e.getMessage().contains("line 3, column 8"), e.getMessage());
    }

    @Test
    void writesLikePythonsJsonDumpsAndReadsItBack() throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("r", 8);
        m.put("alpha", 16.0);
        m.put("dropout", 0.05);
        m.put("targets", List.of("q\"uote", "tab\there"));
        m.put("none", null);
        m.put("nested", Map.of("k", true));
        m.put("shape", new int[] {2, 3});
        String written = Json.write(m);
        assertEquals("{\"r\": 8, \"alpha\": 16, \"dropout\": 0.05, \"targets\": [\"q\\\"uote\", \"tab\\there\"], \"none\": null, "
                + "\"nested\": {\"k\": true}, \"shape\": [2, 3]}", written);
        assertEquals("{\"r\":8,\"targets\":[]}", Json.compact(new LinkedHashMap<>(Map.of("r", 8))).replace("}", ",\"targets\":[]}"));
        Map<?, ?> back = (Map<?, ?>) Json.parse(written, "w");
        assertEquals(List.of("q\"uote", "tab\there"), back.get("targets"));
        assertEquals(16L, back.get("alpha"), "a whole double is written without a fraction");
        assertEquals("\"\\u0001\"", Json.quote("\u0001"));
        assertEquals("null", Json.quote(null));
        assertThrows(IllegalArgumentException.class, () -> Json.number(Double.NaN));
    }

    @Test
    void typedGettersNameTheSourceAndKey() throws IOException {
        JsonObject o = Json.parseObject("{\"r\": 8, \"a\": 2.5, \"s\": \"x\", \"l\": [\"p\", \"q\"], \"b\": true, \"n\": null, \"o\": {\"x\": [1, 2]}}",
                "dir/adapter_config.json");
        assertEquals(8, o.integer("r"));
        assertEquals(8.0, o.number("r"));
        assertEquals(2.5, o.number("a"));
        assertEquals("x", o.string("s"));
        assertEquals(List.of("p", "q"), o.strings("l"));
        assertEquals(List.of("x"), o.strings("s"), "a single string is a list of one");
        assertEquals(true, o.bool("b"));
        assertNull(o.integer("n"));
        assertNull(o.string("absent"));
        assertFalse(o.has("n"));
        assertTrue(Arrays.equals(new long[] {1, 2}, o.object("o").longs("x")));

        IOException e = assertThrows(IOException.class, () -> o.integer("a"));
        assertEquals("dir/adapter_config.json: \"a\" must be a whole number, got 2.5", e.getMessage());
        assertTrue(assertThrows(IOException.class, () -> o.string("r")).getMessage().contains("\"r\" must be a string, got 8"));
        assertTrue(assertThrows(IOException.class, () -> o.object("o").strings("x")).getMessage()
                .startsWith("dir/adapter_config.json: \"o\": \"x\" must be a string or a list of strings"));
        assertTrue(assertThrows(IOException.class, () -> Json.parseObject("[]", "f")).getMessage().contains("expected a JSON object"));
    }
}
