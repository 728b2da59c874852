package dev.kiln.api.ops;

import dev.kiln.api.backend.AttentionSpec;
import dev.kiln.api.backend.Backend;
import dev.kiln.api.tensor.IntTensor;
import dev.kiln.api.tensor.Shape;
import dev.kiln.api.tensor.Storage;
import dev.kiln.api.tensor.Tensor;

/** Fused scaled-dot-product attention, and rotary position embeddings. */
public final class Attention {
    private Attention() {}

    /**
     * q, k, v laid out per {@link AttentionSpec} (they may be one fused tensor read at offsets).
     * keyMask [B, tk] (1 = attend) and segments [B, tk] may be null (both are read again in backward, so
     * the caller must not change them). What is kept for backward is the backend's choice
     * ({@link Backend#attentionStatsSize}): the cpu backend keeps a logsumexp per query row, not [B, Hq, tq, tk].
     * → [B, tq, Hq·D]
     */
    public static Tensor attention(AttentionSpec spec, Tensor q, Tensor k, Tensor v, IntTensor keyMask, IntTensor segments) {
        Backend be = q.backend();
        if (keyMask != null && keyMask.size() != spec.batch() * spec.tk())
            throw new IllegalArgumentException("attention mask " + keyMask.shape() + " must be [" + spec.batch() + ", " + spec.tk() + "]");
        if (segments != null && (spec.tq() != spec.tk() || segments.size() != spec.batch() * spec.tk()))
            throw new IllegalArgumentException("segment ids " + segments.shape() + " need self-attention of [" + spec.batch() + ", " + spec.tk() + "]");
        int[] mask = keyMask == null ? null : keyMask.data(), seg = segments == null ? null : segments.data();
        // stats: what the backend keeps for backward, [B, Hq, tq, tk] probabilities by default, [B, Hq, tq] on cpu;
        // attentionWithStats writes every float of both (the pool's poison in the test JVMs would show one it missed)
        Storage out = be.allocateUninitialized(spec.outSize()), stats = be.allocateUninitialized(be.attentionStatsSize(spec));
        be.attentionWithStats(spec, q.storage(), k.storage(), v.storage(), mask, seg, out, stats);
        Shape shape = Shape.of(spec.batch(), spec.tq(), spec.qHeads() * spec.headDim());
        return Tensor.result("attention", out, shape, g -> {
            Storage gq = Kernels.gradOrScratch(q), gk = k == q ? gq : Kernels.gradOrScratch(k);
            Storage gv = v == q ? gq : v == k ? gk : Kernels.gradOrScratch(v);
            be.attentionBackwardFromStats(spec, q.storage(), k.storage(), v.storage(), mask, seg, stats, g, gq, gk, gv);
            Kernels.release(be, q.requiresGrad() ? null : gq, k == q || k.requiresGrad() ? null : gk,
                    v == q || v == k || v.requiresGrad() ? null : gv);
        }, q, k, v).savedForBackward(stats);
    }

    /** Rotary embedding of x: [B, T, H, D] (or [B, T, H·D]) at positions posOffset + t; invFreq: [D/2] (RopeScaling#inverseFrequencies). */
    public static Tensor rope(Tensor x, int heads, int posOffset, float[] invFreq) {
        int b = x.dim(0), t = x.dim(1), d = headDim(x, heads);
        float[] freq = invFreq.clone();
        Backend be = x.backend();
        Storage y = be.allocateUninitialized(x.size());
        be.rope(x.storage(), y, b, t, heads, d, posOffset, freq, false);
        return Tensor.result("rope", y, x.shape(), g -> {
            Storage back = be.allocateUninitialized(x.size());
            be.rope(g, back, b, t, heads, d, posOffset, freq, true);
            x.takeGradient(back);
        }, x);
    }

    private static int headDim(Tensor x, int heads) {
        int d = x.rank() == 4 ? x.dim(3) : x.dim(-1) / heads;
        if (x.rank() < 3 || x.rank() > 4 || d * heads != (x.rank() == 4 ? x.dim(2) * d : x.dim(-1)))
            throw new IllegalArgumentException("rotary embedding needs [B, T, H, D] or [B, T, H·D] with " + heads + " heads, got " + x.shape());
        if (d % 2 != 0) throw new IllegalArgumentException("rotary embedding needs an even head dim, got " + d);
        return d;
    }
}
