package dev.kiln.api.objective;

import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.tokenizer.Tokenizer;

/** The backbone checks objectives share in {@link Objective#checkModel}, each refusing with the key to change. */
public final class ModelChecks {
    private ModelChecks() {}

    /** @param what how the error names the objective, e.g. "finetune signal 'dpo'" */
    public static void requireCausal(String what, TransformerConfig model) {
        if (!model.causal()) throw new IllegalArgumentException(what + " needs a causal language model: set model.causal = true (got false)");
    }

    /** The model's vocabulary holds every id the tokenizer can produce. */
    public static void requireVocabulary(String what, TransformerConfig model, Tokenizer tokenizer) {
        if (model.vocab() < tokenizer.vocabSize())
            throw new IllegalArgumentException(what + ": model.vocab = " + model.vocab() + " is smaller than tokenizer '" + tokenizer.name()
                    + "' vocabulary of " + tokenizer.vocabSize());
    }

    /** A signal that scores or samples completions (dpo, grpo, rloo, ppo): a causal model holding the tokenizer's ids. */
    public static void causalPolicy(String signal, TransformerConfig model, Tokenizer tokenizer) {
        requireCausal("finetune signal '" + signal + "'", model);
        requireVocabulary("finetune signal '" + signal + "'", model, tokenizer);
    }
}
