package dev.kiln.api.nn;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.ops.Arithmetic;
import dev.kiln.api.tensor.Tensor;

/**
 * N learned virtual-token embeddings put in front of every input (prompt tuning, Lester et al.
 * 2021; PEFT's {@code PromptEmbedding}). Attached with {@link Transformer#attachSoftPrompt}; the
 * backbone prepends them before positions are added and drops their hidden states from its output,
 * so objectives see hidden states for their own tokens only. Parameter: {@code weight} [N, C].
 */
public final class SoftPrompt extends Module {
    private final Tensor weight;

    SoftPrompt(Backend be, int tokens, int dModel) {
        if (tokens <= 0) throw new IllegalArgumentException("a soft prompt needs at least one virtual token, got " + tokens);
        this.weight = register("weight", Init.zeros(be, tokens, dModel));
    }

    public Tensor weight() { return weight; }

    public int tokens() { return weight.dim(0); }

    /** The prompt for a batch: [B, N, C] (gradients flow back to the one [N, C] weight). */
    Tensor expand(int batch) {
        return Arithmetic.add(Tensor.zeros(weight.backend(), batch, weight.dim(0), weight.dim(1)), weight);
    }
}
