package dev.kiln.api.nn;

import dev.kiln.api.tensor.IntTensor;
import dev.kiln.api.tensor.Tensor;

/**
 * A trainable addition to the token-embedding lookup (e.g. LoRA on the embedding matrix), attached
 * with {@link Transformer#addTokenAdapter}. Its parameters live under {@code embed.tokens.<name>.}.
 * Active adapters run in attachment order after the lookup, on every path that embeds token ids.
 */
public abstract class TokenEmbeddingAdapter extends Module {
    /** ids: [B, T]; x: the embeddings so far [B, T, C] → [B, T, C] */
    public abstract Tensor apply(IntTensor ids, Tensor x);

    /** Whether it runs (a disabled or merged adapter does not). */
    public boolean active() { return true; }
}
