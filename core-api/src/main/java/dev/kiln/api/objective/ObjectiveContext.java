package dev.kiln.api.objective;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.tokenizer.Tokenizer;

/** What an objective may use when it is created: the tokenizer, the backend for its heads, the backbone's shape, a seed. */
public record ObjectiveContext(Tokenizer tokenizer, Backend backend, TransformerConfig model, long seed) {}
