package dev.kiln.api.nn;

import dev.kiln.api.tensor.IntTensor;
import dev.kiln.api.tensor.Tensor;

/**
 * What the backbone reads for one forward pass. Either {@code ids} [B, T] or {@code embeddings}
 * [B, T, C] (e.g. text embeddings concatenated with projected image patches). Everything else is
 * optional (null): attentionMask [B, T] (1 = real token), tokenTypes [B, T], segments [B, T]
 * (packed examples attend only within their segment), encoderStates [B, S, C] with encoderMask
 * [B, S] for cross-attention, a KV cache for incremental decoding, and positions [B, T] (each
 * token's index into a learned / sinusoidal position table; packed examples restart at 0 as with
 * Hugging Face's position_ids; rotary attention is relative, so segments alone make it exact).
 * Positions count from 0 whatever the table's position_offset: the backbone adds the offset
 * (so a RoBERTa position 0 reads row 2, where HF's own position_ids would already say 2).
 */
public record ModelInput(IntTensor ids, Tensor embeddings, IntTensor attentionMask, IntTensor tokenTypes,
                         IntTensor segments, Tensor encoderStates, IntTensor encoderMask, KVCache cache, IntTensor positions) {

    public static ModelInput of(IntTensor ids) {
        return new ModelInput(ids, null, null, null, null, null, null, null, null);
    }

    public ModelInput withAttentionMask(IntTensor mask) {
        return new ModelInput(ids, embeddings, mask, tokenTypes, segments, encoderStates, encoderMask, cache, positions);
    }

    public ModelInput withTokenTypes(IntTensor types) {
        return new ModelInput(ids, embeddings, attentionMask, types, segments, encoderStates, encoderMask, cache, positions);
    }

    public ModelInput withSegments(IntTensor seg) {
        return new ModelInput(ids, embeddings, attentionMask, tokenTypes, seg, encoderStates, encoderMask, cache, positions);
    }

    public ModelInput withEncoder(Tensor states, IntTensor mask) {
        return new ModelInput(ids, embeddings, attentionMask, tokenTypes, segments, states, mask, cache, positions);
    }

    public ModelInput withCache(KVCache c) {
        return new ModelInput(ids, embeddings, attentionMask, tokenTypes, segments, encoderStates, encoderMask, c, positions);
    }

    /** Per-token positions [B, T] for learned / sinusoidal tables (default: offset + t). */
    public ModelInput withPositions(IntTensor pos) {
        return new ModelInput(ids, embeddings, attentionMask, tokenTypes, segments, encoderStates, encoderMask, cache, pos);
    }

    public static ModelInput ofEmbeddings(Tensor embeddings) {
        return new ModelInput(null, embeddings, null, null, null, null, null, null, null);
    }

    public int batch() { return ids != null ? ids.dim(0) : embeddings.dim(0); }

    public int length() { return ids != null ? ids.dim(1) : embeddings.dim(1); }
}
