package dev.kiln.runtime.pipeline;

import dev.kiln.api.config.Config;
import dev.kiln.api.config.ConfigException;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A plugin reference in a pipeline config: either a bare name ({@code objective: clm}) or a map
 * with {@code name}, an optional {@code weight}, and the plugin's own keys.
 */
record NamedSpec(String name, double weight, Config config) {

    @SuppressWarnings("unchecked")
    static NamedSpec parse(Object value, String where) {
        if (value instanceof String s) return new NamedSpec(s, 1.0, new Config(where + " '" + s + "'", Map.of()));
        if (value instanceof Map<?, ?> m) {
            Map<String, Object> rest = new LinkedHashMap<>((Map<String, Object>) m);
            Object name = rest.remove("name");
            if (name == null) throw new ConfigException(where + ": missing key 'name' (in " + m + ")");
            Object w = rest.remove("weight");
            double weight;
            try {
                weight = w == null ? 1.0 : Double.parseDouble(w.toString());
            } catch (NumberFormatException e) {
                throw new ConfigException(where + " '" + name + "': key 'weight' expected a number, got '" + w + "'");
            }
            return new NamedSpec(name.toString(), weight, new Config(where + " '" + name + "'", rest));
        }
        throw new ConfigException(where + ": expected a name or a map with 'name', got '" + value + "'");
    }

    static List<NamedSpec> parseList(Object value, String where) {
        if (value instanceof List<?> l) {
            if (l.isEmpty()) throw new ConfigException(where + ": the list is empty");
            return l.stream().map(v -> parse(v, where)).toList();
        }
        return List.of(parse(value, where));
    }
}
