package dev.kiln.runtime.hf;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.io.TensorData;
import dev.kiln.api.io.TensorSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A transformers {@code *ForSequenceClassification} class as a base model plus Kiln's {@code sft}
 * classification head: the base's tensors under the family's prefix, its pooler ({@code [CLS]} →
 * dense → tanh) as {@code sft.pooler.*} and {@code classifier.*} as {@code sft.classifier.*}.
 * config.json carries the labels ({@code id2label}, {@code label2id}) and, for one output,
 * {@code problem_type: regression}. BERT's is the one known; Kiln's sft head with {@code pooler: bert}
 * has exactly its shape.
 */
final class SequenceClassification {
    /** Kiln names of the head tensors (under heads. in a Kiln model directory). */
    static final String POOLER_WEIGHT = "sft.pooler.weight", POOLER_BIAS = "sft.pooler.bias";
    static final String CLASSIFIER_WEIGHT = "sft.classifier.weight", CLASSIFIER_BIAS = "sft.classifier.bias";

    private static final List<SequenceClassification> KNOWN = List.of(
            new SequenceClassification("BertForSequenceClassification", "bert", EncoderFamily.BERT.base(), "bert.", "nsp.pooler."));

    final String architecture, modelType, baseArchitecture, prefix;
    /** Where the base architecture's loader puts its pooler among the extras. */
    private final String basePooler;

    private SequenceClassification(String architecture, String modelType, String baseArchitecture, String prefix, String basePooler) {
        this.architecture = architecture;
        this.modelType = modelType;
        this.baseArchitecture = baseArchitecture;
        this.prefix = prefix;
        this.basePooler = basePooler;
    }

    static List<String> architectures() {
        return KNOWN.stream().map(s -> s.architecture).toList();
    }

    /** The first of {@code names} that is a known sequence classifier, or null. */
    static SequenceClassification named(List<String> names) {
        for (String n : names) for (SequenceClassification s : KNOWN) if (s.architecture.equals(n)) return s;
        return null;
    }

    /** The classifier of a family ({@code model_type}), or null when transformers' class has another shape than Kiln's heads. */
    static SequenceClassification forModelType(String modelType) {
        for (SequenceClassification s : KNOWN) if (s.modelType.equals(modelType)) return s;
        return null;
    }

    HfModel read(HfCheckpoints checkpoints, Path dir, HfConfig config, Backend backend, java.util.function.Consumer<dev.kiln.api.nn.Block> eachBlock)
            throws IOException {
        Set<String> own = Set.of("classifier.weight", "classifier.bias");
        try (TensorSource all = TensorSource.open(dir)) {
            String where = dir.toString();
            for (String n : own)
                if (!all.contains(n)) throw new HfCheckpointException(where + ": " + architecture + " needs tensor '" + n + "', which is missing");
            HfModel base = checkpoints.readBackbone(dir, config, baseArchitecture, new TensorSourceWithout(all, own), backend, eachBlock);
            Map<String, Tensor> extras = new LinkedHashMap<>();
            Tensor poolerW = base.extras().get(basePooler + "weight"), poolerB = base.extras().get(basePooler + "bias");
            if (poolerW == null) throw new HfCheckpointException(where + ": " + architecture + " needs its pooler ("
                    + prefix + "pooler.dense.*), which is missing");
            extras.put(POOLER_WEIGHT, poolerW);
            extras.put(POOLER_BIAS, poolerB);
            int c = base.model().config().dModel();
            long[] shape = all.info("classifier.weight").shape();
            if (shape.length != 2 || shape[1] != c)
                throw new HfCheckpointException(where + ": tensor 'classifier.weight' has shape " + java.util.Arrays.toString(shape)
                        + ", expected [num_labels, " + c + "]");
            int labels = Math.toIntExact(shape[0]);
            List<String> names = labels(config);
            int expected = config.getInt("num_labels", names.isEmpty() ? labels : names.size());
            if (expected != labels)
                throw config.error(config.has("num_labels") ? "num_labels" : "id2label", "says " + expected + " labels but classifier.weight has "
                        + labels + " rows");
            if (!java.util.Arrays.equals(all.info("classifier.bias").shape(), new long[] {labels}))
                throw new HfCheckpointException(where + ": tensor 'classifier.bias' has shape "
                        + java.util.Arrays.toString(all.info("classifier.bias").shape()) + ", expected [" + labels + "]");
            extras.put(CLASSIFIER_WEIGHT, Tensor.of(backend, all.floats("classifier.weight"), labels, c));
            extras.put(CLASSIFIER_BIAS, Tensor.of(backend, all.floats("classifier.bias"), labels));
            return new HfModel(base.model(), architecture, extras, config.values(), base.report());
        }
    }

    /** The label names by id from config.json's {@code id2label}; empty when absent. */
    static List<String> labels(HfConfig config) throws HfCheckpointException {
        Object v = config.values().get("id2label");
        if (v == null) return List.of();
        if (!(v instanceof Map<?, ?> m)) throw config.error("id2label", "must be a map from id to label name, got " + v);
        TreeMap<Integer, String> byId = new TreeMap<>();
        for (var e : m.entrySet()) {
            try {
                byId.put(Integer.parseInt(String.valueOf(e.getKey())), String.valueOf(e.getValue()));
            } catch (NumberFormatException ex) {
                throw config.error("id2label", "has key '" + e.getKey() + "'; ids must be integers");
            }
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < byId.size(); i++) {
            if (!byId.containsKey(i)) throw config.error("id2label", "must number its labels 0.." + (byId.size() - 1) + ", got ids " + byId.keySet());
            out.add(byId.get(i));
        }
        return out;
    }

    /** The base model's tensors moved under the prefix, plus the classifier; the pooler must be among them. */
    Map<String, TensorData> tensors(Map<String, TensorData> base, Tensor classifierWeight, Tensor classifierBias) {
        Map<String, TensorData> out = new LinkedHashMap<>();
        base.forEach((name, t) -> out.put(prefix + name, t));
        out.put("classifier.weight", TensorData.f32(classifierWeight.dims(), classifierWeight.toArray()));
        out.put("classifier.bias", TensorData.f32(classifierBias.dims(), classifierBias.toArray()));
        return out;
    }

    /** config.json of the base model turned into this class's, with the labels. */
    Map<String, Object> config(Map<String, Object> base, List<String> labelNames, boolean regression) {
        Map<String, Object> m = new LinkedHashMap<>(base);
        m.put("architectures", List.of(architecture));
        Map<String, Object> id2label = new LinkedHashMap<>(), label2id = new LinkedHashMap<>();
        for (int i = 0; i < labelNames.size(); i++) {
            id2label.put(Integer.toString(i), labelNames.get(i));
            label2id.put(labelNames.get(i), i);
        }
        m.put("id2label", id2label);
        m.put("label2id", label2id);
        m.put("num_labels", labelNames.size());
        if (regression) m.put("problem_type", "regression");
        return m;
    }

    /**
     * The base architecture's extras (its pooler) from Kiln's head names; an error naming what is
     * missing when {@code extras} lack the head.
     */
    Map<String, Tensor> baseExtras(Map<String, Tensor> extras) throws HfCheckpointException {
        for (String n : List.of(POOLER_WEIGHT, POOLER_BIAS, CLASSIFIER_WEIGHT, CLASSIFIER_BIAS))
            if (!extras.containsKey(n))
                throw new HfCheckpointException(architecture + " needs extra tensor '" + n + "' (given: " + new java.util.TreeSet<>(extras.keySet()) + ")");
        return Map.of(basePooler + "weight", extras.get(POOLER_WEIGHT), basePooler + "bias", extras.get(POOLER_BIAS));
    }

    /** LABEL_0 .. LABEL_{K-1}, transformers' names when a model has no label names, for a classifier of {@code extras}. */
    List<String> defaultLabels(Map<String, Tensor> extras) {
        Tensor w = extras.get(CLASSIFIER_WEIGHT);
        List<String> out = new ArrayList<>();
        for (int i = 0; w != null && i < w.dim(0); i++) out.add("LABEL_" + i);
        return out;
    }

    /** Where the base architecture's saver expects the pooler among the extras. */
    String basePoolerName(String suffix) {
        return basePooler + suffix;
    }
}
