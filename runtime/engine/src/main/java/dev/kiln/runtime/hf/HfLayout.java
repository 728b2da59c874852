package dev.kiln.runtime.hf;

import dev.kiln.api.nn.TransformerConfig;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One Hugging Face model family (its {@code model_type}) as a configuration of Kiln's backbone:
 * config.json ↔ {@link TransformerConfig}, and tensor names / layouts ↔ Kiln parameter names.
 * {@link HfCheckpoints} does the file work and the checking for every layout alike.
 *
 * <p>Extras are tensors outside the backbone (BERT's pooler and pretraining heads), named as
 * Kiln's objective heads name them ({@code nsp.pooler.weight}, {@code mlm.dense.weight}, ...), in
 * groups that an architecture requires or allows.
 */
public interface HfLayout {

    /** config.json's {@code model_type}, e.g. "gpt2". */
    String modelType();

    /** The transformers classes this layout reads and writes, e.g. GPT2LMHeadModel. */
    List<String> architectures();

    /** The prefix of backbone tensor names in task models, e.g. "transformer."; optional on load. */
    String backbonePrefix();

    /** Whether {@code architecture} is the bare backbone (its tensor names carry no prefix when saved). */
    boolean isBaseModel(String architecture);

    /** The backbone's shape from config.json. */
    TransformerConfig toKiln(HfConfig config, String architecture) throws HfCheckpointException;

    /** config.json for a model of this shape; an error naming every setting the architecture cannot express. */
    Map<String, Object> toHf(TransformerConfig config, String architecture) throws HfCheckpointException;

    /** Every backbone and extra tensor; {@code prefix} goes before backbone names (head names have none). */
    List<TensorMapping> mappings(TransformerConfig config, String architecture, String prefix);

    /** Extra groups the architecture must have. */
    default Set<String> requiredGroups(String architecture) { return Set.of(); }

    /** Extra groups the architecture may have. */
    default Set<String> optionalGroups(String architecture) { return Set.of(); }

    /**
     * Extra groups transformers' class always builds: loaded from the file, or newly initialized and
     * reported when the file lacks them (e.g. BertModel's pooler). Defaults to {@link #requiredGroups}.
     */
    default Set<String> loadedGroups(String architecture) { return requiredGroups(architecture); }

    /** Tensors stored twice because they are tied (alias → the name it must equal); checked on load, not written. */
    default Map<String, String> tiedAliases(TransformerConfig config, String architecture, String prefix) { return Map.of(); }

    /** Non-parameter buffers older checkpoints carry (attention masks, rotary frequencies); skipped. */
    default boolean isBuffer(String name) { return false; }
}
