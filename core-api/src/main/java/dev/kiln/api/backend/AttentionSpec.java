package dev.kiln.api.backend;

/**
 * Geometry of one scaled-dot-product attention call.
 *
 * <p>Queries, keys and values are read in token-major layout [batch, tokens, heads, headDim]
 * with a per-token row stride, so q/k/v can be read straight out of a fused projection:
 * element (b, t, h, d) of q is at {@code qOffset + (b * tq + t) * qRowStride + h * headDim + d};
 * likewise k and v with {@code tk}. The output is contiguous [batch, tq, qHeads, headDim];
 * the saved probabilities are contiguous [batch, qHeads, tq, tk].
 *
 * <p>Grouped-query attention: query head h reads key/value head {@code h / (qHeads / kvHeads)}.
 * Positions are absolute: query i sits at position {@code i + (tk - tq)} (the queries are the
 * last tq of the tk keys, as with a KV cache). Causal: query i may see key j iff
 * {@code j <= i + (tk - tq)}. Sliding window W &gt; 0 (Mistral; causal only): additionally
 * {@code j > i + (tk - tq) - W}, i.e. a query sees itself and the W − 1 keys before it.
 * A query row that sees no key yields zeros.
 */
public record AttentionSpec(
        int batch, int qHeads, int kvHeads, int tq, int tk, int headDim,
        int qOffset, int qRowStride, int kOffset, int kRowStride, int vOffset, int vRowStride,
        boolean causal, float scale, int window) {

    public AttentionSpec {
        if (batch < 0 || qHeads <= 0 || kvHeads <= 0 || qHeads % kvHeads != 0 || headDim <= 0 || tq < 0 || tk < 0)
            throw new IllegalArgumentException("bad attention geometry: " + this);
        if (window < 0 || (window > 0 && !causal))
            throw new IllegalArgumentException("attention window must be 0 (none) or > 0 with causal attention: " + this);
    }

    /** Without a sliding window. */
    public AttentionSpec(int batch, int qHeads, int kvHeads, int tq, int tk, int headDim,
                         int qOffset, int qRowStride, int kOffset, int kRowStride, int vOffset, int vRowStride,
                         boolean causal, float scale) {
        this(batch, qHeads, kvHeads, tq, tk, headDim, qOffset, qRowStride, kOffset, kRowStride, vOffset, vRowStride,
                causal, scale, 0);
    }

    /** The same geometry with a sliding window of w keys (0 = none; needs causal). */
    public AttentionSpec withWindow(int w) {
        return new AttentionSpec(batch, qHeads, kvHeads, tq, tk, headDim, qOffset, qRowStride, kOffset, kRowStride,
                vOffset, vRowStride, causal, scale, w);
    }

    /** The absolute position of query i (= the index of its own key). */
    public int queryPosition(int i) { return i + tk - tq; }

    /** The first key query i may see by position (the window's start; 0 without a window). */
    public int firstKey(int i) { return window > 0 ? Math.max(0, queryPosition(i) - window + 1) : 0; }

    /** One past the last key query i may see by position (tk when not causal). */
    public int endKey(int i) { return causal ? Math.min(tk, Math.max(queryPosition(i) + 1, 0)) : tk; }

    /** Separate contiguous q [B,tq,Hq,D], k and v [B,tk,Hkv,D]. */
    public static AttentionSpec contiguous(int batch, int qHeads, int kvHeads, int tq, int tk, int headDim, boolean causal) {
        return new AttentionSpec(batch, qHeads, kvHeads, tq, tk, headDim,
                0, qHeads * headDim, 0, kvHeads * headDim, 0, kvHeads * headDim, causal,
                (float) (1.0 / Math.sqrt(headDim)));
    }

    public int outSize() { return batch * tq * qHeads * headDim; }

    public int probsSize() { return batch * qHeads * tq * tk; }

    public int group() { return qHeads / kvHeads; }
}
