package dev.kiln.api.nn;

import dev.kiln.api.backend.AttentionSpec;
import dev.kiln.api.backend.Backend;
import dev.kiln.api.ops.Attention;
import dev.kiln.api.tensor.IntTensor;
import dev.kiln.api.tensor.Tensor;

import java.util.Random;

/** Decoder-to-encoder attention: q from the decoder [B, T, C], fused k/v from encoder states [B, S, C]. */
public final class CrossAttention extends Module {
    private final TransformerConfig cfg;
    private final Linear q, kv, out;

    public CrossAttention(Backend be, Random rng, TransformerConfig cfg) {
        this.cfg = cfg;
        int d = cfg.headDim();
        this.q = register("q", new Linear(be, rng, cfg.dModel(), cfg.heads() * d, cfg.attentionBias(), cfg.initStd()));
        this.kv = register("kv", new Linear(be, rng, cfg.dModel(), 2 * cfg.kvHeads() * d, cfg.attentionBias(), cfg.initStd()));
        this.out = register("out", new Linear(be, rng, cfg.heads() * d, cfg.dModel(), cfg.attentionBias(),
                (float) (cfg.initStd() / Math.sqrt(2.0 * Math.max(1, cfg.layers())))));
    }

    /** x: [B, T, C], encoder: [B, S, C], encoderMask: [B, S] or null → [B, T, C] */
    public Tensor forward(Tensor x, Tensor encoder, IntTensor encoderMask) {
        int b = x.dim(0), t = x.dim(1), s = encoder.dim(1), hq = cfg.heads(), hkv = cfg.kvHeads(), d = cfg.headDim();
        Tensor qs = q.forward(x);              // [B, T, Hq·D]
        Tensor kvs = kv.forward(encoder);      // [B, S, 2·Hkv·D]
        AttentionSpec spec = new AttentionSpec(b, hq, hkv, t, s, d, 0, hq * d, 0, 2 * hkv * d, hkv * d, 2 * hkv * d,
                false, (float) (1.0 / Math.sqrt(d)));
        return out.forward(Attention.attention(spec, qs, kvs, kvs, encoderMask, null));
    }
}
