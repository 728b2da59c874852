package dev.kiln.runtime.pipeline;

import dev.kiln.api.config.Config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The pipeline config as the run used it, for run.json and the report: the root section's
 * {@link Config#resolved()} (every key given, every default read), with the sections parsed by
 * Config objects of their own put in place: the model (with its default vocab), each objective,
 * the fine-tuning method and signal, the forgetting probe's objective. Read when a session
 * starts, after everything has been parsed.
 */
final class ResolvedConfig {
    private final Config root;
    private final Map<String, Object> overlays = new LinkedHashMap<>();

    ResolvedConfig(Config root) { this.root = root; }

    /** The section at {@code path} (dotted; list items by index, e.g. {@code objectives.1}) is {@code section}. */
    Config put(String path, Config section) {
        overlays.put(path, section);
        return section;
    }

    /** A plugin reference at {@code path}: its name (and weight), then its own keys resolved. */
    NamedSpec put(String path, NamedSpec spec) {
        overlays.put(path, spec);
        return spec;
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> get() {
        Map<String, Object> out = root.resolved();
        for (var e : overlays.entrySet()) {
            String[] path = e.getKey().split("\\.");
            Object parent = out;
            for (int i = 0; i < path.length - 1 && parent != null; i++) parent = child(parent, path[i]);
            Object value = e.getValue() instanceof NamedSpec s ? spec(s) : ((Config) e.getValue()).resolved();
            String last = path[path.length - 1];
            if (parent instanceof Map<?, ?> m) ((Map<String, Object>) m).put(last, value);
            else if (parent instanceof List<?> l && last.matches("\\d+") && Integer.parseInt(last) < l.size())
                ((List<Object>) l).set(Integer.parseInt(last), value);
        }
        return out;
    }

    private static Map<String, Object> spec(NamedSpec s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", s.name());
        m.put("weight", s.weight());
        m.putAll(s.config().resolved());
        return m;
    }

    /** The child at one path step, made mutable in place (maps and lists from resolved() may be the config's own). */
    @SuppressWarnings("unchecked")
    private static Object child(Object parent, String key) {
        if (parent instanceof Map<?, ?> m) {
            Object c = m.get(key);
            Object copy = c instanceof Map<?, ?> cm ? new LinkedHashMap<>((Map<String, Object>) cm) : c instanceof List<?> cl ? new ArrayList<>(cl) : c;
            if (copy != c) ((Map<String, Object>) m).put(key, copy);
            return copy;
        }
        if (parent instanceof List<?> l && key.matches("\\d+") && Integer.parseInt(key) < l.size()) {
            Object c = l.get(Integer.parseInt(key));
            Object copy = c instanceof Map<?, ?> cm ? new LinkedHashMap<>((Map<String, Object>) cm) : c instanceof List<?> cl ? new ArrayList<>(cl) : c;
            if (copy != c) ((List<Object>) l).set(Integer.parseInt(key), copy);
            return copy;
        }
        return null;
    }
}
