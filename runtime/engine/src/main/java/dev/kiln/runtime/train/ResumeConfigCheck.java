package dev.kiln.runtime.train;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Resuming is continuing the same run: a checkpoint made with another pipeline config is refused,
 * naming the keys that differ, unless {@code train.allow_config_change} (CLI:
 * {@code --allow-config-change}) says so. Keys that only say how long to run, how often to evaluate,
 * log or save, and what to do after training may change freely ({@link #MAY_CHANGE}).
 */
public final class ResumeConfigCheck {
    /** Dotted keys (or prefixes ending in '.') that may differ between a checkpoint and the resumed run. */
    public static final List<String> MAY_CHANGE = List.of(
            "train.steps", "train.eval_every", "train.eval_batches", "train.log_every", "train.checkpoint_every",
            "train.keep_checkpoints", "train.early_stopping_patience", "train.allow_config_change",
            "generate.", "backend", "finetune.export");

    private ResumeConfigCheck() {}

    /**
     * @param saved the config the checkpoint was made with (trainer.json's {@code pipeline}); null for
     *              checkpoints older than this check, which are not compared
     * @throws IllegalStateException naming the checkpoint and every differing key, old → new
     */
    public static void check(Path checkpoint, Object saved, Map<String, Object> current, boolean allowChange) {
        if (allowChange || !(saved instanceof Map<?, ?> savedMap) || current == null) return;
        List<String> diffs = differences(savedMap, current);
        if (diffs.isEmpty()) return;
        throw new IllegalStateException(checkpoint + " was made with another config: " + String.join(", ", diffs)
                + ". Resume with the same config, give another --out, or pass --allow-config-change (train.allow_config_change: true)"
                + " to resume anyway; " + String.join(", ", MAY_CHANGE).replace(".,", ".*,") + " may change without it");
    }

    /** "key old → new" for every dotted key whose value differs (absent = "(none)"), sorted. */
    static List<String> differences(Map<?, ?> saved, Map<?, ?> current) {
        Map<String, Object> a = new TreeMap<>(), b = new TreeMap<>();
        flatten("", saved, a);
        flatten("", current, b);
        TreeSet<String> keys = new TreeSet<>(a.keySet());
        keys.addAll(b.keySet());
        List<String> out = new ArrayList<>();
        for (String k : keys) {
            if (mayChange(k) || same(a.get(k), b.get(k))) continue;
            out.add(k + " " + show(a.get(k)) + " → " + show(b.get(k)));
        }
        return out;
    }

    private static boolean mayChange(String key) {
        for (String m : MAY_CHANGE) if (m.endsWith(".") ? key.startsWith(m) : key.equals(m)) return true;
        return false;
    }

    private static void flatten(String prefix, Map<?, ?> map, Map<String, Object> out) {
        for (var e : map.entrySet()) {
            String key = prefix + e.getKey();
            if (e.getValue() instanceof Map<?, ?> m && !m.isEmpty()) flatten(key + ".", m, out);
            else out.put(key, e.getValue());
        }
    }

    /** Numbers by value (YAML's Integer and JSON's Long of the same number are equal), the rest by equals. */
    private static boolean same(Object x, Object y) {
        if (x instanceof Number a && y instanceof Number b) return a.doubleValue() == b.doubleValue();
        if (x instanceof List<?> a && y instanceof List<?> b) {
            if (a.size() != b.size()) return false;
            for (int i = 0; i < a.size(); i++) if (!same(a.get(i), b.get(i))) return false;
            return true;
        }
        if (x instanceof Map<?, ?> a && y instanceof Map<?, ?> b) return differences(a, b).isEmpty() && a.keySet().equals(b.keySet());
        return Objects.equals(x, y);
    }

    private static String show(Object v) {
        return v == null ? "(none)" : v.toString();
    }
}
