package dev.kiln.api.nn;

import dev.kiln.api.tensor.IntTensor;

import java.util.SplittableRandom;

/** Small configurations and inputs shared by the nn tests (sizes chosen so a forward pass takes well under a millisecond). */
final class TinyModels {
    static final int VOCAB = 13;

    private TinyModels() {}

    static TransformerConfig gpt2() { return TransformerConfig.gpt2(VOCAB, 16, 2, 4, 16); }

    static TransformerConfig bert() { return TransformerConfig.bert(VOCAB, 16, 2, 4, 16); }

    /** Rotary positions, RMSNorm, SwiGLU, 4 query heads over 2 kv heads, untied head. */
    static TransformerConfig llama() { return TransformerConfig.llama(VOCAB, 16, 2, 4, 2, 24, 16); }

    /** Qwen3-shaped: like {@link #llama} but head_dim 8 (4·8 ≠ d_model 16), q/k RMSNorm and q/k/v biases. */
    static TransformerConfig qwen3() { return llama().toBuilder().headDim(8).qkNorm(true).qkvBias(true).build(); }

    /** Mistral-shaped: like {@link #llama} with a sliding window of 3 keys. */
    static TransformerConfig mistral() { return llama().toBuilder().slidingWindow(3).build(); }

    /** The same config with other dropout, cross-attention and init std. */
    static TransformerConfig with(TransformerConfig c, float dropout, boolean crossAttention, float initStd) {
        return c.toBuilder().dropout(dropout).crossAttention(crossAttention).initStd(initStd).build();
    }

    /** Random token ids [batch, len], deterministic in seed. */
    static IntTensor ids(long seed, int batch, int len) {
        SplittableRandom rng = new SplittableRandom(seed);
        int[] v = new int[batch * len];
        for (int i = 0; i < v.length; i++) v[i] = rng.nextInt(VOCAB);
        return new IntTensor(v, batch, len);
    }

    /** A copy of ids with position (row, col) set to a different token. */
    static IntTensor changed(IntTensor ids, int row, int col) {
        int[] v = ids.data().clone();
        int i = row * ids.dim(1) + col;
        v[i] = (v[i] + 1 + VOCAB / 2) % VOCAB;
        return new IntTensor(v, ids.dim(0), ids.dim(1));
    }
}
