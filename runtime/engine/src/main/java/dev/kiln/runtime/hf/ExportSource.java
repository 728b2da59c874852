package dev.kiln.runtime.hf;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tokenizer.Tokenizer;
import dev.kiln.api.io.NamedTensor;
import dev.kiln.runtime.model.ModelStore;
import dev.kiln.runtime.tokenizer.TokenizerFiles;
import dev.kiln.runtime.tokenizer.TokenizerSpec;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A model directory read for {@link HfExport}: Kiln's (heads and the sft metadata from its
 * config.json) or a Hugging Face one, re-exported. A Hugging Face directory exports as its own class
 * unless another is asked for; its extras are the heads, except those loading had to initialize
 * (transformers' "newly initialized"), which the export leaves out rather than write random weights
 * as if they were the checkpoint's; its {@code id2label} names a classifier's labels.
 *
 * @param architecture the class to export as by default (a Hugging Face directory's own), or null to choose from the heads
 * @param warnings     what loading a Hugging Face directory reported (unused / newly initialized tensors); empty for Kiln's
 */
public record ExportSource(Transformer model, Map<String, Tensor> heads, Map<String, Object> sft, Tokenizer tokenizer,
                           String architecture, List<String> warnings) {

    public ExportSource {
        heads = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(heads));
        warnings = List.copyOf(warnings);
    }

    /** Reads {@code dir}; before that, {@code out} is checked (absent, empty or an earlier export). */
    public static ExportSource read(Path dir, Path out, Backend backend) throws IOException {
        ModelStore.requireDirectory(dir);
        ExportDirectory.checkReplaceable(out);
        if (HfCheckpoints.isHfDirectory(dir)) return of(HfCheckpoints.load(dir, backend), TokenizerFiles.load(dir));
        ModelStore.Loaded loaded = ModelStore.load(dir, backend);
        Map<String, Tensor> heads = new LinkedHashMap<>();
        for (var e : loaded.heads().entrySet()) heads.put(e.getKey(), tensor(backend, e.getValue()));
        return new ExportSource(loaded.model(), heads, sftMetadata(loaded.config()), TokenizerSpec.standard().load(dir), null, List.of());
    }

    /** A loaded Hugging Face model: its extras without the newly initialized ones, its class, its labels. */
    static ExportSource of(HfModel m, Tokenizer tokenizer) throws HfCheckpointException {
        Map<String, Tensor> heads = new LinkedHashMap<>(m.extras());
        heads.keySet().removeAll(initializedHeads(m));
        Map<String, Object> sft = new LinkedHashMap<>();
        if (heads.containsKey(SequenceClassification.CLASSIFIER_WEIGHT)) {
            HfConfig config = new HfConfig("config.json", m.config());
            sft.put("task", "regression".equals(m.config().get("problem_type")) ? "regression" : "classification");
            List<String> labels = SequenceClassification.labels(config);
            if (!labels.isEmpty()) sft.put("labels", labels);
        }
        return new ExportSource(m.model(), heads, sft, tokenizer, m.architecture(), m.warnings());
    }

    /** Kiln names of the extras whose checkpoint tensors were missing, so they hold initial values. */
    private static Set<String> initializedHeads(HfModel m) {
        Set<String> missing = new HashSet<>(m.report().newlyInitialized()), out = new HashSet<>();
        HfCheckpoints hf = HfCheckpoints.standard();
        SequenceClassification task = SequenceClassification.named(List.of(m.architecture()));
        String arch = task == null ? m.architecture() : task.baseArchitecture;
        HfLayout layout = hf.find(arch);
        if (layout == null) return out;
        for (String prefix : List.of("", layout.backbonePrefix()))
            for (TensorMapping t : layout.mappings(m.model().config(), arch, prefix))
                if (t.group() != null && t.sources().stream().anyMatch(missing::contains)) out.add(t.target());
        return out;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> sftMetadata(Map<String, Object> kilnConfig) {
        if (kilnConfig.get("objectives") instanceof Map<?, ?> o && o.get("sft") instanceof Map<?, ?> s) return (Map<String, Object>) s;
        return Map.of();
    }

    private static Tensor tensor(Backend backend, NamedTensor t) {
        return Tensor.of(backend, t.data(), t.shape());
    }
}
