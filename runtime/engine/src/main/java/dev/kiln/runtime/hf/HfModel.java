package dev.kiln.runtime.hf;

import dev.kiln.api.nn.Transformer;
import dev.kiln.api.tensor.Tensor;

import java.util.Map;

/**
 * A Hugging Face checkpoint loaded into Kiln.
 *
 * @param model        the backbone with every weight from the checkpoint
 * @param architecture the transformers class it was read as, e.g. "LlamaForCausalLM"
 * @param extras       tensors outside the backbone by Kiln head name (BERT: {@code nsp.pooler.*},
 *                     {@code mlm.dense.*}, {@code mlm.norm.*}, {@code mlm.bias}, {@code nsp.classifier.*});
 *                     empty when the checkpoint has none
 * @param config       config.json as read
 * @param report       tensors of the file not used, tensors of the architecture newly initialized, legacy names fixed
 */
public record HfModel(Transformer model, String architecture, Map<String, Tensor> extras, Map<String, Object> config, LoadReport report) {
    public HfModel {
        extras = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(extras));
    }

    /** transformers-style warnings about unused and newly initialized tensors; empty when the file matched exactly. */
    public java.util.List<String> warnings() {
        return report.warnings();
    }
}
