package dev.kiln.api.nn;

import dev.kiln.api.tensor.IntTensor;
import dev.kiln.api.tensor.Tensor;

/**
 * What the backbone reads for one forward pass. Either {@code ids} [B, T] or {@code embeddings}
 * [B, T, C] (e.g. text embeddings concatenated with projected image patches). Everything else is
 * optional (null): attentionMask [B, T] (1 = real token), tokenTypes [B, T], segments [B, T]
 * (packed examples attend only within their segment), encoderStates [B, S, C] with encoderMask
 * [B, S] for cross-attention, and a KV cache for incremental decoding.
 */
public record ModelInput(IntTensor ids, Tensor embeddings, IntTensor attentionMask, IntTensor tokenTypes,
                         IntTensor segments, Tensor encoderStates, IntTensor encoderMask, KVCache cache) {

    public static ModelInput of(IntTensor ids) {
        return new ModelInput(ids, null, null, null, null, null, null, null);
    }

    public ModelInput withAttentionMask(IntTensor mask) {
        return new ModelInput(ids, embeddings, mask, tokenTypes, segments, encoderStates, encoderMask, cache);
    }

    public ModelInput withTokenTypes(IntTensor types) {
        return new ModelInput(ids, embeddings, attentionMask, types, segments, encoderStates, encoderMask, cache);
    }

    public ModelInput withSegments(IntTensor seg) {
        return new ModelInput(ids, embeddings, attentionMask, tokenTypes, seg, encoderStates, encoderMask, cache);
    }

    public ModelInput withEncoder(Tensor states, IntTensor mask) {
        return new ModelInput(ids, embeddings, attentionMask, tokenTypes, segments, states, mask, cache);
    }

    public ModelInput withCache(KVCache c) {
        return new ModelInput(ids, embeddings, attentionMask, tokenTypes, segments, encoderStates, encoderMask, c);
    }

    public static ModelInput ofEmbeddings(Tensor embeddings) {
        return new ModelInput(null, embeddings, null, null, null, null, null, null);
    }

    public int batch() { return ids != null ? ids.dim(0) : embeddings.dim(0); }

    public int length() { return ids != null ? ids.dim(1) : embeddings.dim(1); }
}
