package dev.kiln.api.nn;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.ops.Normalization;
import dev.kiln.api.tensor.Tensor;

/** LayerNorm (weight + bias) or RMSNorm (weight only) over the last axis. */
public final class Norm extends Module {
    private final boolean rms;
    private final float eps;
    private final Tensor weight, bias;

    public Norm(Backend be, int dim, boolean rms, float eps) {
        this.rms = rms;
        this.eps = eps;
        this.weight = register("weight", Init.ones(be, dim));
        this.bias = rms ? null : register("bias", Init.zeros(be, dim));
    }

    /** x: [..., C] → [..., C] */
    public Tensor forward(Tensor x) {
        return rms ? Normalization.rmsNorm(x, weight, eps) : Normalization.layerNorm(x, weight, bias, eps);
    }

    public Tensor weight() { return weight; }

    public Tensor bias() { return bias; }
}
