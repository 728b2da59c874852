package dev.kiln.runtime.chat;

import org.junit.jupiter.api.Test;

import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The Python behaviours chat templates rely on, against values Python 3.11 prints. */
class PythonSemanticsTest {

    @Test
    void floatsPrintAsPythonRepr() {
        double[] in = {1.0, 0.1, 1e16, 1e-5, 1.5e-4, 123456789.0, -2.5, 1e22, 3.14159, 100.0, 1234567890123456.0};
        String[] python = {"1.0", "0.1", "1e+16", "1e-05", "0.00015", "123456789.0", "-2.5", "1e+22", "3.14159", "100.0", "1234567890123456.0"};
        for (int i = 0; i < in.length; i++) assertEquals(python[i], PyJson.floatRepr(in[i]), "repr(" + in[i] + ")");
    }

    @Test
    void tojsonIsJsonDumpsWithoutAsciiEscapes() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("a", Arrays.asList(1L, 2.0, null, true));
        m.put("b", Map.of());
        m.put("c", List.of());
        m.put("d", "x\"\\\n\t\u0001é");
        assertEquals("{\"a\": [1, 2.0, null, true], \"b\": {}, \"c\": [], \"d\": \"x\\\"\\\\\\n\\t\\u0001é\"}", PyJson.dumps(m, null, null, null, false));
        Map<String, Object> nested = Map.of("a", List.of(1L, Map.of("b", new ArrayList<>())));
        assertEquals("{\n  \"a\": [\n    1,\n    {\n      \"b\": []\n    }\n  ]\n}", PyJson.dumps(nested, "  ", null, null, false));
    }

    @Test
    void strftimeFollowsPython() {
        LocalDateTime t = LocalDateTime.of(2026, 1, 5, 9, 7, 3);
        assertEquals("05 Jan 2026|5 January|Monday Mon|09:07 AM|005|26|09:07:03| 5|%|2026-01-05 09:07:03",
                Strftime.format(t, "%d %b %Y|%-d %B|%A %a|%I:%M %p|%j|%y|%H:%M:%S|%e|%%|%F %T"));
    }

    @Test
    void stringMethodsFollowPython() {
        assertEquals("x", PyStrings.strip(" \u00a0x\u3000 ", null, true, true));
        assertEquals(List.of("a", "b", "c"), PyStrings.split("a  b\tc\n", null, -1));
        assertEquals(List.of("a", "", "b"), PyStrings.split("a,,b", ",", -1));
        assertEquals(List.of("a", "b c"), PyStrings.split("a b c", " ", 1));
        assertEquals(List.of("a b", "c"), PyStrings.rsplit("a b c", " ", 1));
        assertEquals("Hello World'S 2Nd-Try", PyStrings.title("hello wORLD's 2nd-try"));
        assertEquals("École", PyStrings.capitalize("éCOLE"));
    }

    @Test
    void slicesFollowPython() {
        assertEquals(List.of(4, 3, 2, 1, 0), PyFilters.Slice.picks(5, null, null, -1));
        assertEquals(List.of(1, 2, 3, 4), PyFilters.Slice.picks(5, 1, null, null));
        assertEquals(List.of(2, 3, 4), PyFilters.Slice.picks(5, -3, 99, null));
        assertEquals(List.of(0, 2, 4), PyFilters.Slice.picks(5, null, null, 2));
        assertEquals(List.of(), PyFilters.Slice.picks(5, 4, 1, null));
    }
}
