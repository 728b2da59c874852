package dev.kiln.runtime.report;

import dev.kiln.api.io.Json;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.kiln.runtime.report.Html.esc;

/**
 * The run's config as a table of dotted keys ({@code train.lr}, {@code objectives[1].name}) and
 * values: resolved, i.e. every key the config has after the file was read and the command line's
 * {@code key=value} overrides applied, and every key the run read with its default, marked as such.
 */
final class ConfigTable {
    private ConfigTable() {}

    /** @param resolved the config as used (may be empty: a run from before Kiln recorded it); {@code given} as written */
    static String html(Map<String, Object> resolved, Map<String, Object> given) {
        if (resolved.isEmpty() && given.isEmpty()) return "<p>No config recorded (run.json is missing).</p>\n";
        Map<String, Object> flat = new LinkedHashMap<>(), written = new LinkedHashMap<>();
        flatten("", given, written);
        flatten("", resolved.isEmpty() ? given : resolved, flat);
        StringBuilder b = new StringBuilder("<table data-table=\"config\"><tr><th>key</th><th>value</th><th></th></tr>\n");
        for (var e : flat.entrySet()) {
            String k = e.getKey();
            boolean named = k.endsWith(".name") && written.containsKey(k.substring(0, k.length() - 5));   // objective: clm
            boolean dflt = !given.isEmpty() && !written.containsKey(k) && !named;
            b.append("<tr data-key=\"").append(esc(e.getKey())).append(dflt ? "\" data-default=\"true" : "").append("\"><td>")
                    .append(esc(e.getKey())).append("</td><td>").append(esc(text(e.getValue()))).append("</td><td class=\"sub\">")
                    .append(dflt ? "default" : "").append("</td></tr>\n");
        }
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
