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
 * when Hkv < Hq), optional rotary positions, causal or bidirectional, padding / segment masks
 * and a KV cache.
 */
public final class SelfAttention extends Module {
    private final TransformerConfig cfg;
    private final Linear qkv, out;
    private KeyValuePrefix prefix;

    public SelfAttention(Backend be, Random rng, TransformerConfig cfg) {
        this.cfg = cfg;
        int d = cfg.headDim(), width = (cfg.heads() + 2 * cfg.kvHeads()) * d;
        this.qkv = register("qkv", new Linear(be, rng, cfg.dModel(), width, cfg.hasQkvBias(), cfg.initStd()));
        this.out = register("out", new Linear(be, rng, cfg.heads() * d, cfg.dModel(), cfg.bias(),
                (float) (cfg.initStd() / Math.sqrt(2.0 * Math.max(1, cfg.layers())))));
    }

    /** x: [B, T, C] → [B, T, C]; posOffset is the position of x's first token. */
    public Tensor forward(Tensor x, IntTensor keyMask, IntTensor segments, KVCache cache, int layer, int posOffset) {
        int b = x.dim(0), t = x.dim(1), hq = cfg.heads(), hkv = cfg.kvHeads(), d = cfg.headDim();
        Tensor fused = qkv.forward(x);                       // [B, T, (Hq + 2Hkv)·D]
        int width = (hq + 2 * hkv) * d;
        boolean rotary = cfg.positions() == ModelKinds.Positions.ROTARY;
        Tensor attended;
        if (!rotary && cache == null && prefix == null) { // q, k, v read in place from the fused projection
            AttentionSpec spec = new AttentionSpec(b, hq, hkv, t, t, d, 0, width, hq * d, width, (hq + hkv) * d, width,
                    cfg.causal(), (float) (1.0 / Math.sqrt(d)));
            attended = Attention.attention(spec, fused, fused, fused, keyMask, segments);
        } else {
            Tensor q = Shapes.slice(fused, 2, 0, hq * d);                   // [B, T, Hq·D]
            Tensor k = Shapes.slice(fused, 2, hq * d, (hq + hkv) * d);       // [B, T, Hkv·D]
            Tensor v = Shapes.slice(fused, 2, (hq + hkv) * d, width);        // [B, T, Hkv·D]
            if (rotary) {
                q = Attention.rope(q, hq, posOffset, cfg.ropeTheta());
                k = Attention.rope(k, hkv, posOffset, cfg.ropeTheta());
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
                    cfg.causal(), (float) (1.0 / Math.sqrt(d)));
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
}
