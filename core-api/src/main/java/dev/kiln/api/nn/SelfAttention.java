package dev.kiln.api.nn;

import dev.kiln.api.backend.AttentionSpec;
import dev.kiln.api.backend.Backend;
import dev.kiln.api.ops.Attention;
import dev.kiln.api.ops.Shapes;
import dev.kiln.api.tensor.IntTensor;
import dev.kiln.api.tensor.Tensor;

import java.util.Random;

/**
 * Multi-head self-attention with one fused projection qkv: [(Hq + 2·Hkv)·D, C] (grouped-query
 * when Hkv < Hq; D = head_dim, which need not be C / Hq), optional per-head RMSNorm of q and k
 * (Qwen3's q_norm / k_norm: weight [D], eps = norm_eps, after the projection, before rotary),
 * optional rotary positions (with rope_scaling), causal or bidirectional, an optional sliding
 * window, padding / segment masks and a KV cache. Parameters: {@code qkv.*}, {@code out.*},
 * {@code q_norm.weight}, {@code k_norm.weight} (qk_norm only).
 */
public final class SelfAttention extends Module {
    private final TransformerConfig cfg;
    private final Linear qkv, out;
    private final Norm qNorm, kNorm;
    private final float[] invFreq;   // [D/2] rotary frequencies when they do not depend on the length, else null
    private KeyValuePrefix prefix;
    private boolean prefixDisabled;

    public SelfAttention(Backend be, Random rng, TransformerConfig cfg) {
        this.cfg = cfg;
        int d = cfg.headDim(), width = (cfg.heads() + 2 * cfg.kvHeads()) * d;
        this.qkv = register("qkv", new Linear(be, rng, cfg.dModel(), width, cfg.hasQkvBias(), cfg.initStd()));
        this.qNorm = cfg.qkNorm() ? register("q_norm", new Norm(be, d, true, cfg.normEps())) : null;
        this.kNorm = cfg.qkNorm() ? register("k_norm", new Norm(be, d, true, cfg.normEps())) : null;
        boolean rotary = cfg.positions() == ModelKinds.Positions.ROTARY;
        this.invFreq = rotary && cfg.ropeScaling().kind() != RopeScaling.Kind.DYNAMIC
                ? cfg.ropeScaling().inverseFrequencies(d, cfg.ropeTheta(), 0) : null;
        this.out = register("out", new Linear(be, rng, cfg.heads() * d, cfg.dModel(), cfg.attentionBias(),
                (float) (cfg.initStd() / Math.sqrt(2.0 * Math.max(1, cfg.layers())))));
    }

    /** x: [B, T, C] → [B, T, C]; posOffset is the position of x's first token. */
    public Tensor forward(Tensor x, IntTensor keyMask, IntTensor segments, KVCache cache, int layer, int posOffset) {
        int b = x.dim(0), t = x.dim(1), hq = cfg.heads(), hkv = cfg.kvHeads(), d = cfg.headDim();
        KeyValuePrefix prefix = prefixDisabled ? null : this.prefix;   // a reference forward runs without it (Transformer.disableAdapters)
        Tensor fused = qkv.forward(x);                       // [B, T, (Hq + 2Hkv)·D]
        int width = (hq + 2 * hkv) * d;
        boolean rotary = cfg.positions() == ModelKinds.Positions.ROTARY;
        Tensor attended;
        if (!rotary && qNorm == null && cache == null && prefix == null) { // q, k, v read in place from the fused projection
            AttentionSpec spec = new AttentionSpec(b, hq, hkv, t, t, d, 0, width, hq * d, width, (hq + hkv) * d, width,
                    cfg.causal(), (float) (1.0 / Math.sqrt(d)), cfg.slidingWindow());
            attended = Attention.attention(spec, fused, fused, fused, keyMask, segments);
        } else {
            Tensor q = Shapes.slice(fused, 2, 0, hq * d);                   // [B, T, Hq·D]
            Tensor k = Shapes.slice(fused, 2, hq * d, (hq + hkv) * d);       // [B, T, Hkv·D]
            Tensor v = Shapes.slice(fused, 2, (hq + hkv) * d, width);        // [B, T, Hkv·D]
            if (qNorm != null) {
                q = Shapes.reshape(qNorm.forward(Shapes.reshape(q, b, t, hq, d)), b, t, hq * d);     // per head over D
                k = Shapes.reshape(kNorm.forward(Shapes.reshape(k, b, t, hkv, d)), b, t, hkv * d);
            }
            if (rotary) {
                float[] freq = invFreq != null ? invFreq : cfg.ropeScaling().inverseFrequencies(d, cfg.ropeTheta(), posOffset + t);
                q = Attention.rope(q, hq, posOffset, freq);
                k = Attention.rope(k, hkv, posOffset, freq);
            }
            boolean withPrefix = prefix != null && (cache == null || cache.isEmpty(layer));
            if (withPrefix) {
                if (segments != null)
                    throw new IllegalArgumentException("prefix tuning does not support packed sequences (segment ids): every packed example would share one prefix");
                k = Shapes.concat(1, java.util.List.of(KeyValuePrefix.expand(prefix.keys(), b), k));      // [B, P + T, Hkv·D]
                v = Shapes.concat(1, java.util.List.of(KeyValuePrefix.expand(prefix.values(), b), v));
            }
            int tk = k.dim(1);
            if (cache != null) {
                Tensor[] kv = cache.append(layer, k, v);
                k = kv[0];
                v = kv[1];
                tk = k.dim(1);
            }
            AttentionSpec spec = new AttentionSpec(b, hq, hkv, t, tk, d, 0, hq * d, 0, hkv * d, 0, hkv * d,
                    cfg.causal(), (float) (1.0 / Math.sqrt(d)), cfg.slidingWindow());
            if (prefix != null && keyMask != null && keyMask.size() == b * (tk - prefix.tokens())) keyMask = withVisiblePrefix(keyMask, prefix.tokens());
            attended = Attention.attention(spec, q, k, v, keyMask, cache == null ? segments : null);
        }
        return out.forward(attended);
    }

    /** Attaches (once) P learned key/value rows for this layer, registered as {@code prefix.keys/values}. */
    public KeyValuePrefix attachPrefix(int tokens) {
        if (prefix != null) throw new IllegalStateException("this attention layer already has a prefix of " + prefix.tokens() + " tokens");
        prefix = register("prefix", new KeyValuePrefix(qkv.weight().backend(), tokens, cfg.kvHeads() * cfg.headDim()));
        return prefix;
    }

    /** Turns the prefix off (true) or back on; returns the previous setting ({@link Transformer#disableAdapters}). */
    boolean disablePrefix(boolean off) {
        boolean was = prefixDisabled;
        prefixDisabled = off;
        return was;
    }

    /** The attached prefix, or null. */
    public KeyValuePrefix prefix() { return prefix; }

    /** mask [B, Tk] → [B, P + Tk] with the P prefix keys visible. */
    private static IntTensor withVisiblePrefix(IntTensor mask, int p) {
        int b = mask.dim(0), tk = mask.dim(1);
        int[] m = new int[b * (p + tk)];
        for (int i = 0; i < b; i++) {
            java.util.Arrays.fill(m, i * (p + tk), i * (p + tk) + p, 1);
            System.arraycopy(mask.data(), i * tk, m, i * (p + tk) + p, tk);
        }
        return new IntTensor(m, b, p + tk);
    }

    public Linear qkv() { return qkv; }

    public Linear out() { return out; }

    /** The per-head RMSNorm of the queries (qk_norm), or null. */
    public Norm qNorm() { return qNorm; }

    /** The per-head RMSNorm of the keys (qk_norm), or null. */
    public Norm kNorm() { return kNorm; }
}
