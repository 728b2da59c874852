package dev.kiln.api.objective;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.chat.ChatTemplate;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.tokenizer.Tokenizer;

/**
 * What an objective may use when it is created: the tokenizer, the backend for its heads, the
 * backbone's shape, a seed, and the model's own chat template when fine-tuning a model that has
 * one (null otherwise).
 */
public record ObjectiveContext(Tokenizer tokenizer, Backend backend, TransformerConfig model, long seed, ChatTemplate chatTemplate) {

    /** Without a chat template (as before there was one). */
    public ObjectiveContext(Tokenizer tokenizer, Backend backend, TransformerConfig model, long seed) {
        this(tokenizer, backend, model, seed, null);
    }
}
