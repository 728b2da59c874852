package dev.kiln.runtime.pipeline;

import dev.kiln.api.config.ConfigException;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.objective.Objective;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.io.NamedTensor;
import dev.kiln.runtime.model.ModelStore;
import dev.kiln.runtime.train.TrainingListener;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;

/**
 * Fills an objective's head from the heads a model directory saved ({@code heads.<objective>.*}, or
 * a Hugging Face checkpoint's head under the same names). Tensors the directory lacks keep their
 * fresh initialization and are reported in one line, as transformers does; a tensor of another
 * shape is an error naming it.
 */
final class SavedHeads {
    private SavedHeads() {}

    /**
     * @param model    the backbone (head tensors tied to it are not the head's to load)
     * @param required the head must have been saved (the forgetting probe measures the pretrained head)
     */
    static void load(Objective objective, Transformer model, ModelSource source, boolean required, TrainingListener listener)
            throws IOException {
        if (objective.head() == null) return;
        Map<String, Tensor> head = new LinkedHashMap<>(objective.head().namedParameters());
        head.values().removeIf(t -> model.namedParameters().containsValue(t));   // tied to the backbone: loaded with it
        head.keySet().removeAll(objective.companionParameters());                // a companion: loaded by the objective itself
        String prefix = TrainingRun.headPrefix(objective);
        Map<String, NamedTensor> saved = new LinkedHashMap<>();
        source.heads().forEach((k, v) -> {
            if ((ModelStore.HEADS + k).startsWith(prefix)) saved.put((ModelStore.HEADS + k).substring(prefix.length()), v);
        });
        if (saved.isEmpty() && required)
            throw new ConfigException("finetune.forgetting.objective: '" + objective.name() + "' has a head but " + source.dir()
                    + " saved none for it (saved heads: " + new TreeSet<>(source.heads().keySet()) + "); pick the objective the model was pretrained with");
        Map<String, Tensor> present = new LinkedHashMap<>();
        TreeSet<String> fresh = new TreeSet<>();
        head.forEach((name, t) -> {
            if (saved.containsKey(name)) present.put(name, t);
            else fresh.add(prefix.substring(ModelStore.HEADS.length()) + name);
        });
        ModelStore.loadInto(present, saved, source.dir() + " heads of '" + objective.name() + "'");
        if (!fresh.isEmpty() && listener != null)
            listener.onMessage("Some weights of the '" + objective.name() + "' head were not initialized from the model checkpoint at "
                    + source.dir() + " (" + source.name() + ") and are newly initialized: " + fresh);
    }
}
