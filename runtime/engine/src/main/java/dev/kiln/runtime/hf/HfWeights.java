package dev.kiln.runtime.hf;

import dev.kiln.api.nn.Transformer;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.io.TensorData;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Moves tensors between a Hugging Face checkpoint and a Kiln backbone through a layout's
 * {@link TensorMapping}s. Loading follows transformers ({@link HfLoad}); saving is strict: every
 * tensor of the architecture written, nothing of the model left out.
 */
final class HfWeights {
    private HfWeights() {}

    /** The extras (by Kiln name) and what loading reported ({@link HfLoad#finish}). */
    record Loaded(Map<String, Tensor> extras, LoadReport report) {}

    /** The checkpoint's tensors (HF name → data) for a backbone and its extras, in mapping order. */
    static Map<String, TensorData> save(Transformer model, Map<String, Tensor> extras, HfLayout layout, String arch)
            throws HfCheckpointException {
        return save(model, extras, layout, arch, null);
    }

    /** As {@link #save(Transformer, Map, HfLayout, String)}, the backbone's Linear weights in bitsandbytes' 4-bit layout unless {@code quantize} is null. */
    static Map<String, TensorData> save(Transformer model, Map<String, Tensor> extras, HfLayout layout, String arch, Bnb4bit.Spec quantize)
            throws HfCheckpointException {
        Set<String> linearWeights = new TreeSet<>();
        model.namedModules().forEach((path, m) -> { if (m instanceof dev.kiln.api.nn.Linear) linearWeights.add(path + ".weight"); });
        TransformerConfig cfg = model.config();
        String prefix = layout.isBaseModel(arch) ? "" : layout.backbonePrefix();
        List<TensorMapping> all = layout.mappings(cfg, arch, prefix);
        Set<String> required = layout.requiredGroups(arch), optional = layout.optionalGroups(arch);
        Map<String, Tensor> params = model.namedParameters();
        Map<String, TensorData> out = new LinkedHashMap<>();
        Set<String> usedParams = new TreeSet<>(), usedExtras = new TreeSet<>(), missingExtras = new TreeSet<>();
        for (TensorMapping m : all) {
            Tensor t;
            if (m.group() == null) {
                t = params.get(m.target());
                usedParams.add(m.target());
            } else {
                boolean need = required.contains(m.group());
                boolean some = optional.contains(m.group()) && all.stream()
                        .anyMatch(o -> m.group().equals(o.group()) && extras.containsKey(o.target()));
                if (!need && !some) continue;
                t = extras.get(m.target());
                if (t == null) {
                    missingExtras.add(m.target());
                    continue;
                }
                usedExtras.add(m.target());
            }
            if (t == null || !Arrays.equals(t.dims(), m.targetShape()))
                throw new HfCheckpointException(arch + ": tensor '" + m.target() + "' " + (t == null ? "is missing from the model"
                        : "has shape " + t.shape()) + ", expected " + Arrays.toString(m.targetShape()));
            if (quantize != null && m.group() == null && linearWeights.contains(m.target())) {
                if (m.kind() == TensorMapping.Kind.TRANSPOSE)    // Conv1D: Linear4bit keeps Kiln's [out, in]
                    out.putAll(Bnb4bit.save(m.sources().get(0), t.toArray(), t.dims(), quantize));
                else {
                    List<float[]> parts = m.toHf(t.toArray());
                    for (int i = 0; i < parts.size(); i++)
                        out.putAll(Bnb4bit.save(m.sources().get(i), parts.get(i), m.sourceShapes().get(i), quantize));
                }
                continue;
            }
            List<float[]> parts = m.toHf(t.toArray());
            for (int i = 0; i < parts.size(); i++) out.put(m.sources().get(i), TensorData.f32(m.sourceShapes().get(i), parts.get(i)));
        }
        if (!missingExtras.isEmpty())
            throw new HfCheckpointException(arch + " needs these extra tensors, which were not given: " + missingExtras
                    + " (given: " + new TreeSet<>(extras.keySet()) + ")");
        TreeSet<String> leftParams = new TreeSet<>(params.keySet()), leftExtras = new TreeSet<>(extras.keySet());
        leftParams.removeAll(usedParams);
        leftExtras.removeAll(usedExtras);
        if (!leftParams.isEmpty())
            throw new HfCheckpointException(arch + " has no place for these parameters: " + leftParams
                    + " (merge or remove adapters before saving in Hugging Face's layout)");
        if (!leftExtras.isEmpty())
            throw new HfCheckpointException(arch + " has no place for these extra tensors: " + leftExtras
                    + "; it stores " + describeGroups(required, optional));
        return out;
    }

    private static String describeGroups(Set<String> required, Set<String> optional) {
        if (required.isEmpty() && optional.isEmpty()) return "the backbone only";
        return "the backbone" + (required.isEmpty() ? "" : " + " + new TreeSet<>(required))
                + (optional.isEmpty() ? "" : " + optionally " + new TreeSet<>(optional));
    }

    static String describe(TransformerConfig c) {
        return "vocab " + c.vocab() + ", d_model " + c.dModel() + ", " + c.layers() + " layers, " + c.heads() + " heads"
                + (c.kvHeads() != c.heads() ? " / " + c.kvHeads() + " kv" : "") + ", d_ff " + c.dFF()
                + (c.tieEmbeddings() ? ", tied head" : ", untied head");
    }
}
