package dev.kiln.runtime.hf;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Short listings of tensor names for error messages: layer indices folded, e.g. {@code h.{0-11}.ln_1.weight}. */
final class TensorNames {
    private static final Pattern INDEX = Pattern.compile("\\.(\\d+)\\.");

    private TensorNames() {}

    /** Names with their first layer index folded into a range; sorted, comma-separated. */
    static String summarize(Collection<String> names) {
        Map<String, TreeSet<Integer>> byPattern = new LinkedHashMap<>();
        for (String n : new TreeSet<>(names)) {
            Matcher m = INDEX.matcher(n);
            if (m.find()) {
                String pattern = n.substring(0, m.start()) + ".#." + n.substring(m.end());
                byPattern.computeIfAbsent(pattern, k -> new TreeSet<>()).add(Integer.parseInt(m.group(1)));
            } else {
                byPattern.put(n, null);
            }
        }
        StringBuilder sb = new StringBuilder();
        for (var e : new TreeSet<>(byPattern.keySet())) {
            TreeSet<Integer> idx = byPattern.get(e);
            if (sb.length() > 0) sb.append(", ");
            sb.append(idx == null ? e : e.replace(".#.", "." + range(idx) + "."));
        }
        return sb.toString();
    }

    private static String range(TreeSet<Integer> idx) {
        if (idx.size() == 1) return idx.first().toString();
        boolean contiguous = idx.last() - idx.first() + 1 == idx.size();
        return contiguous ? "{" + idx.first() + "-" + idx.last() + "}" : idx.toString().replace('[', '{').replace(']', '}').replace(" ", "");
    }
}
