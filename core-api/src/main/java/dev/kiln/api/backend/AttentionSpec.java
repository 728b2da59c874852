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
 * Causal: query i may see key j iff {@code j <= i + (tk - tq)} (the queries are the last tq
 * positions, as with a KV cache). A query row that sees no key yields zeros.
 */
public record AttentionSpec(
        int batch, int qHeads, int kvHeads, int tq, int tk, int headDim,
        int qOffset, int qRowStride, int kOffset, int kRowStride, int vOffset, int vRowStride,
        boolean causal, float scale) {

    public AttentionSpec {
        if (batch < 0 || qHeads <= 0 || kvHeads <= 0 || qHeads % kvHeads != 0 || headDim <= 0 || tq < 0 || tk < 0)
            throw new IllegalArgumentException("bad attention geometry: " + this);
    }

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
