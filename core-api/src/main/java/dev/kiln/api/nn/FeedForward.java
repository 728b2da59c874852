package dev.kiln.api.nn;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.ops.Activations;
import dev.kiln.api.ops.Arithmetic;
import dev.kiln.api.tensor.Tensor;

import java.util.Random;

/** Position-wise feed-forward: down(act(up(x))) or, for SwiGLU, down(act(gate(x)) ⊙ up(x)). */
public final class FeedForward extends Module {
    private final ModelKinds.Activation activation;
    private final Linear up, gate, down;

    public FeedForward(Backend be, Random rng, TransformerConfig cfg) {
        this.activation = cfg.activation();
        this.up = register("up", new Linear(be, rng, cfg.dModel(), cfg.dFF(), cfg.mlpBias(), cfg.initStd()));
        this.gate = cfg.ffn() == ModelKinds.Ffn.SWIGLU
                ? register("gate", new Linear(be, rng, cfg.dModel(), cfg.dFF(), cfg.mlpBias(), cfg.initStd())) : null;
        this.down = register("down", new Linear(be, rng, cfg.dFF(), cfg.dModel(), cfg.mlpBias(),
                (float) (cfg.initStd() / Math.sqrt(2.0 * Math.max(1, cfg.layers())))));
    }

    /** x: [B, T, C] → [B, T, C] */
    public Tensor forward(Tensor x) {
        Tensor h = gate == null
                ? Activations.of(activation, up.forward(x))
                : Arithmetic.mul(Activations.of(activation, gate.forward(x)), up.forward(x));
        return down.forward(h);
    }
}
