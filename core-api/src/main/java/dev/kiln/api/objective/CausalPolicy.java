package dev.kiln.api.objective;

import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.tokenizer.Tokenizer;

/** The check every signal that scores or samples completions (dpo, grpo, rloo, ppo) makes of its model. */
public final class CausalPolicy {
    private CausalPolicy() {}

    /** Refuses a bidirectional model, or one whose vocabulary is smaller than the tokenizer's, naming the key. */
    public static void check(String signal, TransformerConfig m, Tokenizer tokenizer) {
        if (!m.causal())
            throw new IllegalArgumentException("finetune signal '" + signal + "' needs a causal language model: set model.causal = true (got false)");
        if (m.vocab() < tokenizer.vocabSize())
            throw new IllegalArgumentException("finetune signal '" + signal + "': model.vocab = " + m.vocab() + " is smaller than tokenizer '"
                    + tokenizer.name() + "' vocabulary of " + tokenizer.vocabSize());
    }
}
