package dev.kiln.api.nn;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.ops.Regularization;
import dev.kiln.api.tensor.IntTensor;
import dev.kiln.api.tensor.Tensor;

import java.util.Random;

import static dev.kiln.api.ops.Arithmetic.add;

/** One transformer block: self-attention, optional cross-attention, feed-forward; pre- or post-norm residuals. */
public final class Block extends Module {
    private TransformerConfig cfg;
    private final Norm norm1, norm2, normCross;
    private final SelfAttention attn;
    private final CrossAttention cross;
    private final FeedForward mlp;

    public Block(Backend be, Random rng, TransformerConfig cfg) {
        this.cfg = cfg;
        boolean rms = cfg.norm() == ModelKinds.NormKind.RMSNORM;
        this.norm1 = register("norm1", new Norm(be, cfg.dModel(), rms, cfg.normEps()));
        this.attn = register("attn", new SelfAttention(be, rng, cfg));
        this.normCross = cfg.crossAttention() ? register("norm_cross", new Norm(be, cfg.dModel(), rms, cfg.normEps())) : null;
        this.cross = cfg.crossAttention() ? register("cross", new CrossAttention(be, rng, cfg)) : null;
        this.norm2 = register("norm2", new Norm(be, cfg.dModel(), rms, cfg.normEps()));
        this.mlp = register("mlp", new FeedForward(be, rng, cfg));
    }

    /** The residual-branch dropout rate from now on ({@link Transformer#setDropout}). */
    void setDropout(float p) { cfg = cfg.withDropout(p); }

    /** x: [B, T, C] → [B, T, C]. dropoutSeed feeds the residual-branch dropouts and, as the {@link ForwardSeed}, the adapters'. */
    public Tensor forward(Tensor x, ModelInput in, int layer, int posOffset, long dropoutSeed) {
        return ForwardSeed.with(dropoutSeed, () -> forwardSeeded(x, in, layer, posOffset, dropoutSeed));
    }

    private Tensor forwardSeeded(Tensor x, ModelInput in, int layer, int posOffset, long dropoutSeed) {
        IntTensor mask = in.attentionMask();
        if (cfg.preNorm()) {
            x = add(x, drop(attn.forward(norm1.forward(x), mask, in.segments(), in.cache(), layer, posOffset), dropoutSeed));
            if (cross != null) x = add(x, drop(cross.forward(normCross.forward(x), in.encoderStates(), in.encoderMask()), dropoutSeed + 1));
            return add(x, drop(mlp.forward(norm2.forward(x)), dropoutSeed + 2));
        }
        x = norm1.forward(add(x, drop(attn.forward(x, mask, in.segments(), in.cache(), layer, posOffset), dropoutSeed)));
        if (cross != null) x = normCross.forward(add(x, drop(cross.forward(x, in.encoderStates(), in.encoderMask()), dropoutSeed + 1)));
        return norm2.forward(add(x, drop(mlp.forward(x), dropoutSeed + 2)));
    }

    private Tensor drop(Tensor x, long seed) {
        return isTraining() ? Regularization.dropout(x, cfg.dropout(), seed) : x;
    }

    public SelfAttention attention() { return attn; }

    public FeedForward feedForward() { return mlp; }
}
