package dev.kiln.runtime.pipeline;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.config.Config;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.tensor.Tensor;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code model.init_from: DIR}: pretraining continues from a saved model (Kiln's or Hugging Face's),
 * which fixes the model's shape. Of the other {@code model} keys only {@link #MAY_SET} may differ
 * from the loaded shape; any other key must equal it (repeating it is allowed), and a {@code preset}
 * is an error, as each names the key.
 */
final class InitFrom {
    static final String KEY = "init_from";
    /** Keys that change training, not the weights' shape or meaning. */
    static final Set<String> MAY_SET = Set.of("dropout");

    private InitFrom() {}

    /** The loaded shape with the section's allowed settings applied. */
    static TransformerConfig config(Config section, TransformerConfig loaded, Path dir) {
        Map<String, Object> shape = loaded.toMap();
        Map<String, Object> merged = new LinkedHashMap<>(shape);
        for (var e : section.raw().entrySet()) {
            String key = e.getKey();
            if (key.equals(KEY)) continue;
            if (key.equals("preset"))
                throw section.error("preset", "cannot be combined with init_from: the shape comes from " + dir);
            if (MAY_SET.contains(key) || !shape.containsKey(key)) {
                merged.put(key, e.getValue());              // unknown keys: fromConfig names the known ones
                continue;
            }
            if (!same(e.getValue(), shape.get(key)))
                throw section.error(key, "is " + e.getValue() + " but the model in init_from (" + dir + ") has " + shape.get(key)
                        + "; with init_from only " + String.join(", ", MAY_SET.stream().sorted().toList())
                        + " may differ (remove the key or make it match)");
        }
        return TransformerConfig.fromConfig(new Config(section.section(), merged));
    }

    /** A model of {@code cfg} holding {@code source}'s weights (same names and shapes). */
    static Transformer model(Backend backend, TransformerConfig cfg, Transformer source, long seed, Path dir) {
        if (source.softPrompt() != null || source.prefixTokens() > 0)
            throw new IllegalArgumentException("model.init_from: " + dir + " has a soft prompt or key/value prefix attached"
                    + " (config.json 'attached'); pretraining continues from a plain model, so fine-tune it instead");
        Transformer model = new Transformer(backend, cfg, seed);
        Map<String, Tensor> from = source.namedParameters();
        for (var e : model.namedParameters().entrySet()) {
            Tensor t = from.get(e.getKey());
            if (t == null || t.size() != e.getValue().size())
                throw new IllegalStateException("init_from: parameter '" + e.getKey() + "' " + (t == null ? "is missing" : "has shape " + t.shape())
                        + " in the loaded model");
            e.getValue().copyFrom(t.toArray());
        }
        return model;
    }

    private static boolean same(Object given, Object loaded) {
        if (given instanceof Number a && loaded instanceof Number b) return (float) a.doubleValue() == (float) b.doubleValue();
        return String.valueOf(given).trim().toLowerCase(Locale.ROOT).equals(String.valueOf(loaded).toLowerCase(Locale.ROOT));
    }
}
