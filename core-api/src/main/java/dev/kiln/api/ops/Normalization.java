package dev.kiln.api.ops;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.tensor.Storage;
import dev.kiln.api.tensor.Tensor;

/** LayerNorm and RMSNorm over the last axis. */
public final class Normalization {
    private Normalization() {}

    /** x: [..., C], gamma: [C], beta: [C] or null → [..., C] */
    public static Tensor layerNorm(Tensor x, Tensor gamma, Tensor beta, float eps) {
        int cols = x.dim(-1), rows = x.size() / Math.max(1, cols);
        check(x, gamma, "gamma");
        if (beta != null) check(x, beta, "beta");
        Backend be = x.backend();
        Storage y = be.allocateUninitialized(x.size()), mean = be.allocateUninitialized(rows), rstd = be.allocateUninitialized(rows);
        be.layerNorm(x.storage(), gamma.storage(), beta == null ? null : beta.storage(), y, mean, rstd, rows, cols, eps);
        Tensor[] inputs = beta == null ? new Tensor[] {x, gamma} : new Tensor[] {x, gamma, beta};
        return Tensor.result("layer_norm", y, x.shape(), g -> {
            Storage gx = Kernels.gradOrScratch(x);
            be.layerNormBackward(x.storage(), gamma.storage(), mean, rstd, g, gx,
                    gamma.requiresGrad() ? gamma.gradForAccumulation() : null,
                    beta != null && beta.requiresGrad() ? beta.gradForAccumulation() : null, rows, cols);
            if (!x.requiresGrad()) be.release(gx);
        }, inputs).savedForBackward(mean, rstd);
    }

    /** x: [..., C], gamma: [C] → [..., C] */
    public static Tensor rmsNorm(Tensor x, Tensor gamma, float eps) {
        int cols = x.dim(-1), rows = x.size() / Math.max(1, cols);
        check(x, gamma, "gamma");
        Backend be = x.backend();
        Storage y = be.allocateUninitialized(x.size()), rstd = be.allocateUninitialized(rows);
        be.rmsNorm(x.storage(), gamma.storage(), y, rstd, rows, cols, eps);
        return Tensor.result("rms_norm", y, x.shape(), g -> {
            Storage gx = Kernels.gradOrScratch(x);
            be.rmsNormBackward(x.storage(), gamma.storage(), rstd, g, gx,
                    gamma.requiresGrad() ? gamma.gradForAccumulation() : null, rows, cols);
            if (!x.requiresGrad()) be.release(gx);
        }, x, gamma).savedForBackward(rstd);
    }

    private static void check(Tensor x, Tensor p, String what) {
        if (p.rank() != 1 || p.dim(0) != x.dim(-1))
            throw new IllegalArgumentException(what + " " + p.shape() + " does not match the last axis of " + x.shape());
    }
}
