package dev.kiln.runtime.io;

import dev.kiln.api.io.Json;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class JsonValuesTest {
    @Test
    void plainValuesAreMutableWithIntsAsYamlGivesThem() throws IOException {
        Object parsed = Json.parse("{\"n\": 3, \"l\": 5000000000, \"b\": 99999999999999999999, \"d\": 2.0, \"x\": [1, {\"k\": -1}]}", "t");
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) JsonValues.plain(parsed);
        assertEquals(3, m.get("n"));
        assertEquals(5000000000L, m.get("l"));
        assertEquals(new BigInteger("99999999999999999999"), m.get("b"));
        assertEquals(2.0, m.get("d"));
        assertEquals(List.of(1, Map.of("k", -1)), m.get("x"));
        assertInstanceOf(LinkedHashMap.class, m);
        assertInstanceOf(ArrayList.class, m.get("x"));
        m.put("added", true);                                   // overrides write into it
        assertEquals(List.of("n", "l", "b", "d", "x", "added"), List.copyOf(m.keySet()));
    }

    @Test
    void nonFiniteNumbersBecomeStrings() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("loss", Double.NaN);
        m.put("ppl", Map.of("val", Double.POSITIVE_INFINITY));
        m.put("f", List.of(Float.NEGATIVE_INFINITY, 1.5f));
        m.put("ok", 0.25);
        assertEquals("{\"loss\":\"NaN\",\"ppl\":{\"val\":\"Infinity\"},\"f\":[\"-Infinity\",1.5],\"ok\":0.25}", Json.compact(JsonValues.finite(m)));
        assertTrue(Double.isNaN((Double) m.get("loss")), "the original is left alone");
    }
}
