package dev.kiln.runtime.pipeline;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Fine-tuning a Hugging Face {@code *ForSequenceClassification} checkpoint with the {@code sft}
 * signal: the checkpoint's head becomes sft's, so the signal's defaults come from it: {@code pooler: bert},
 * the label names from config.json's {@code id2label} (or {@code task: regression} for
 * {@code problem_type: regression}). Keys the config gives win; a mismatch with the checkpoint's
 * head is then the head loader's error naming the tensor.
 */
final class ClassifierDefaults {
    static final String SIGNAL = "sft";

    private ClassifierDefaults() {}

    @SuppressWarnings("unchecked")
    static Object apply(Object signalSpec, ModelSource source) {
        if (!source.name().endsWith("ForSequenceClassification") || signalSpec == null) return signalSpec;
        Map<String, Object> spec;
        if (signalSpec instanceof String s && s.equals(SIGNAL)) spec = new LinkedHashMap<>(Map.of("name", SIGNAL));
        else if (signalSpec instanceof Map<?, ?> m && SIGNAL.equals(m.get("name"))) spec = new LinkedHashMap<>((Map<String, Object>) m);
        else return signalSpec;
        if (spec.containsKey("task") && !List.of("classification", "regression").contains(String.valueOf(spec.get("task")))) return signalSpec;
        spec.putIfAbsent("pooler", "bert");
        boolean regression = "regression".equals(source.config().get("problem_type"));
        if (regression) spec.putIfAbsent("task", "regression");
        else if (!spec.containsKey("labels") && !spec.containsKey("num_labels") && source.config().get("id2label") instanceof Map<?, ?> id2label)
            spec.put("labels", names(id2label));
        return spec;
    }

    private static List<String> names(Map<?, ?> id2label) {
        TreeMap<Integer, String> byId = new TreeMap<>();
        id2label.forEach((k, v) -> byId.put(Integer.parseInt(String.valueOf(k)), String.valueOf(v)));
        return List.copyOf(byId.values());
    }
}
