package dev.kiln.cli;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A reward function given on the command line, {@code NAME[:KEY=VALUE,...]}, as the section a
 * config's {@code rewards} list holds: {@code {name: NAME, KEY: VALUE, ...}}. Values that read as
 * integers, decimals or booleans become those, the rest stay strings (YAML's plain scalars).
 */
final class RewardSpec {
    private RewardSpec() {}

    static Map<String, Object> parse(String spec) {
        int colon = spec.indexOf(':');
        String name = (colon < 0 ? spec : spec.substring(0, colon)).trim();
        if (name.isEmpty()) throw new IllegalArgumentException("--reward '" + spec + "': expected NAME[:KEY=VALUE,...], the name is empty");
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("name", name);
        if (colon < 0) return out;
        for (String pair : spec.substring(colon + 1).split(",")) {
            int eq = pair.indexOf('=');
            if (eq <= 0) throw new IllegalArgumentException("--reward '" + spec + "': '" + pair + "' is not KEY=VALUE");
            String key = pair.substring(0, eq).trim();
            if (out.containsKey(key)) throw new IllegalArgumentException("--reward '" + spec + "': '" + key + "' is given twice");
            out.put(key, scalar(pair.substring(eq + 1).trim()));
        }
        return out;
    }

    private static Object scalar(String v) {
        if (v.equals("true") || v.equals("false")) return Boolean.parseBoolean(v);
        if (v.matches("-?\\d{1,9}")) return Integer.parseInt(v);
        if (v.matches("-?(\\d+\\.\\d*|\\.\\d+|\\d+)([eE][-+]?\\d+)?")) return Double.parseDouble(v);
        return v;
    }
}
