package dev.kiln.runtime.report;

import dev.kiln.api.io.Json;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.kiln.runtime.report.Html.esc;

/**
 * The run's config as a table of dotted keys ({@code train.lr}, {@code objectives[1].name}) and
 * values: every key the config has after the file was read and the command line's
 * {@code key=value} overrides applied.
 */
final class ConfigTable {
    private ConfigTable() {}

    static String html(Map<String, Object> config) {
        if (config.isEmpty()) return "<p>No config recorded (run.json is missing).</p>\n";
        Map<String, Object> flat = new LinkedHashMap<>();
        flatten("", config, flat);
        StringBuilder b = new StringBuilder("<table data-table=\"config\"><tr><th>key</th><th>value</th></tr>\n");
        for (var e : flat.entrySet())
            b.append("<tr data-key=\"").append(esc(e.getKey())).append("\"><td>").append(esc(e.getKey())).append("</td><td>")
                    .append(esc(text(e.getValue()))).append("</td></tr>\n");
        return b.append("</table>\n").toString();
    }

    private static String text(Object v) {
        if (v instanceof String s) return s;
        try {
            return Json.compact(v);
        } catch (IllegalArgumentException e) {
            return String.valueOf(v);
        }
    }

    /** Maps become dotted keys, lists of maps indexed keys; other lists stay one value. */
    static void flatten(String prefix, Object value, Map<String, Object> out) {
        if (value instanceof Map<?, ?> m && !m.isEmpty()) {
            for (var e : m.entrySet()) flatten(prefix.isEmpty() ? String.valueOf(e.getKey()) : prefix + "." + e.getKey(), e.getValue(), out);
        } else if (value instanceof List<?> l && !l.isEmpty() && l.stream().anyMatch(x -> x instanceof Map<?, ?>)) {
            for (int i = 0; i < l.size(); i++) flatten(prefix + "[" + i + "]", l.get(i), out);
        } else {
            out.put(prefix, value);
        }
    }
}
