package dev.kiln.runtime.hf;

import java.util.Map;
import java.util.TreeMap;

/**
 * transformers' key fixing on load ({@code _fix_state_dict_key_on_load}): early checkpoints ported
 * from TensorFlow (BERT) name LayerNorm parameters {@code gamma} / {@code beta}; they load as
 * {@code weight} / {@code bias}.
 */
final class LegacyNames {
    private LegacyNames() {}

    /** The name a checkpoint tensor loads as. */
    static String canonical(String name) {
        if (name.endsWith("LayerNorm.gamma")) return name.substring(0, name.length() - "gamma".length()) + "weight";
        if (name.endsWith("LayerNorm.beta")) return name.substring(0, name.length() - "beta".length()) + "bias";
        return name;
    }

    /**
     * Canonical name → the file's name for every tensor; an error naming both when a legacy and a
     * current name meet (e.g. {@code LayerNorm.gamma} and {@code LayerNorm.weight}).
     */
    static Map<String, String> index(Iterable<String> names, String where) throws HfCheckpointException {
        Map<String, String> byCanonical = new TreeMap<>();
        for (String n : names) {
            String prev = byCanonical.put(canonical(n), n);
            if (prev != null)
                throw new HfCheckpointException(where + ": tensors '" + prev + "' and '" + n + "' both load as '" + canonical(n)
                        + "' (a legacy gamma/beta name next to its weight/bias); remove one");
        }
        return byCanonical;
    }
}
