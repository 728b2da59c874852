package dev.kiln.runtime.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.api.config.ConfigException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Command-line overrides of a loaded pipeline: {@code train.optimizer.lr=3e-4}. The path is split
 * on dots; missing sections are created; a numeric segment indexes into an existing list
 * ({@code objectives.0.weight=0.5}). The value is read as a YAML scalar or flow list/map:
 * {@code 3}, {@code 3e-4}, {@code true}, {@code null}, {@code [a, b]}, {@code {k: v}},
 * {@code 'quoted text'}; anything else is kept verbatim as a string.
 */
public final class ConfigOverrides {
    private ConfigOverrides() {}

    /** Applies {@code overrides} to {@code root} in order (later ones win). */
    public static void apply(Map<String, Object> root, List<String> overrides) {
        if (overrides == null) return;
        for (String o : overrides) apply(root, o);
    }

    /** Applies one {@code key.sub.key=value} override to {@code root} (which must be mutable). */
    @SuppressWarnings("unchecked")
    public static void apply(Map<String, Object> root, String override) {
        int eq = override.indexOf('=');
        if (eq <= 0) {
            throw new ConfigException("override '" + override + "': expected key.path=value");
        }
        String key = override.substring(0, eq).trim();
        String[] path = key.split("\\.", -1);
        for (String seg : path) {
            if (seg.isEmpty()) throw new ConfigException("override '" + override + "': key '" + key + "' has an empty segment");
        }
        Object value = parseValue(key, override.substring(eq + 1));
        Object node = root;
        for (int i = 0; i < path.length - 1; i++) {
            String seg = path[i];
            Object child;
            if (node instanceof Map<?, ?> m) {
                child = m.get(seg);
                if (child == null) {
                    child = new LinkedHashMap<String, Object>();
                    ((Map<String, Object>) m).put(seg, child);
                }
            } else {
                child = ((List<Object>) node).get(index(override, path, i, (List<?>) node));
            }
            if (!(child instanceof Map) && !(child instanceof List)) {
                throw new ConfigException("override '" + override + "': key '" + join(path, i + 1)
                        + "' is a value (" + child + "), not a section, so '" + key + "' cannot be set");
            }
            node = child;
        }
        String last = path[path.length - 1];
        if (node instanceof Map<?, ?> m) {
            ((Map<String, Object>) m).put(last, value);
        } else {
            List<Object> l = (List<Object>) node;
            l.set(index(override, path, path.length - 1, l), value);
        }
    }

    /**
     * The value of an override: a YAML scalar (number, boolean, null), a flow list or map, a
     * quoted string, or otherwise the text itself; {@code key} names the override in errors.
     */
    public static Object parseValue(String key, String raw) {
        String text = raw.trim();
        if (text.isEmpty()) return "";
        char first = text.charAt(0);
        boolean structured = first == '[' || first == '{' || first == '"' || first == '\'';
        JsonNode node;
        try {
            node = PipelineConfigLoader.YAML_MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            if (!structured) return text;
            throw PipelineConfigLoader.withDetail(new ConfigException("override for key '" + key + "': cannot parse value '"
                    + text + "': " + PipelineConfigLoader.describe(e.getOriginalMessage())), e);
        }
        if (node == null || node.isMissingNode()) return text;   // e.g. a value that is only a comment
        if (node.isTextual() && !structured) return text;        // keep '#', ':' and spacing as typed
        if (node.isContainerNode() && !structured) return text;  // "a: b" is text, not a map
        return PipelineConfigLoader.toJava(node);
    }

    private static int index(String override, String[] path, int i, List<?> list) {
        String seg = path[i];
        int idx;
        try {
            idx = Integer.parseInt(seg);
        } catch (NumberFormatException e) {
            idx = -1;
        }
        if (idx < 0 || idx >= list.size()) {
            throw new ConfigException("override '" + override + "': key '" + join(path, i) + "' is a list of "
                    + list.size() + " items; expected an index 0.." + (list.size() - 1) + " but got '" + seg + "'");
        }
        return idx;
    }

    private static String join(String[] path, int n) {
        return String.join(".", java.util.Arrays.copyOf(path, n));
    }
}
