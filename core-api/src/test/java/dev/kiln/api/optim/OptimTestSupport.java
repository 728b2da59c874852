package dev.kiln.api.optim;

import dev.kiln.api.ops.Arithmetic;
import dev.kiln.api.ops.Reductions;
import dev.kiln.api.tensor.Tensor;

/** Sets a parameter's gradient to exact values through the public autograd API. */
final class OptimTestSupport {
    private OptimTestSupport() {}

    /** Replaces p's gradient by g: backward of Σ p ⊙ g. */
    static void setGrad(Tensor p, float... g) {
        p.zeroGrad();
        Reductions.sum(Arithmetic.mul(p, Tensor.of(p.backend(), g, p.dims()))).backward();
    }
}
