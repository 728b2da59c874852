package dev.kiln.api.finetune;

import dev.kiln.api.io.JsonObject;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * PEFT's {@code modules_to_save}: whole modules (task heads: {@code classifier}, a pooler) trained
 * beside the adapter and saved with it, under the module's own path with PEFT's wrapper stripped
 * ({@code base_model.model.classifier.weight}; {@code base_model.classifier.weight} for prompt
 * learning, whose PEFT model wraps the base model directly). The config lists names that PEFT
 * matches as suffixes of module paths. An adapter plugin leaves these tensors alone (the runtime
 * restores them into the heads, {@code dev.kiln.runtime.adapter.AdapterHeads}); only the
 * adapter's own tensors are its to load.
 */
public final class ModulesToSave {
    /** The prefixes PEFT writes before a saved module's path. */
    public static final String PREFIX = "base_model.model.", PROMPT_LEARNING_PREFIX = "base_model.";

    private ModulesToSave() {}

    /** The config's {@code modules_to_save}; empty when absent or null. */
    public static List<String> of(JsonObject config) throws IOException {
        List<String> m = config.strings("modules_to_save");
        return m == null ? List.of() : m;
    }

    /**
     * The module path of a saved tensor ({@code classifier} for {@code base_model.model.classifier.weight}),
     * or null when the key has neither prefix or no parameter name.
     */
    public static String module(String key) {
        String rest = key.startsWith(PREFIX) ? key.substring(PREFIX.length())
                : key.startsWith(PROMPT_LEARNING_PREFIX) ? key.substring(PROMPT_LEARNING_PREFIX.length()) : null;
        int dot = rest == null ? -1 : rest.lastIndexOf('.');
        return dot <= 0 ? null : rest.substring(0, dot);
    }

    /** Whether {@code key} is a tensor of one of {@code modules} (PEFT's match: the module path ends with the name). */
    public static boolean contains(List<String> modules, String key) {
        String module = module(key);
        if (module == null) return false;
        for (String m : modules) if (module.equals(m) || module.endsWith("." + m)) return true;
        return false;
    }

    /** {@code tensors} without those of {@code modules} (what an adapter plugin loads itself). */
    public static <T> Map<String, T> without(Map<String, T> tensors, List<String> modules) {
        if (modules.isEmpty()) return tensors;
        Map<String, T> out = new LinkedHashMap<>(tensors);
        out.keySet().removeIf(k -> contains(modules, k));
        return out;
    }
}
