package dev.kiln.runtime.train;

import dev.kiln.api.backend.UnaryOp;
import dev.kiln.api.tensor.Tensor;

import java.util.Collection;

/** Clip gradients by their global L2 norm (torch.nn.utils.clip_grad_norm_). */
public final class GradientClipping {
    private GradientClipping() {}

    /** Scales every gradient by min(1, maxNorm / ‖g‖) when maxNorm > 0; returns the norm before clipping. */
    public static double clip(Collection<Tensor> params, double maxNorm) {
        double sq = 0;
        for (Tensor p : params) if (p.hasGrad()) sq += p.backend().sumOfSquares(p.gradForAccumulation(), p.size());
        double norm = Math.sqrt(sq);
        float scale = scale(norm, maxNorm);
        if (scale != 1f) scaleAll(params, scale);
        return norm;
    }

    /** Multiplies every gradient by {@code factor} (gradient accumulation's normalisation). */
    public static void scaleAll(Collection<Tensor> params, float factor) {
        for (Tensor p : params)
            if (p.hasGrad()) p.backend().unary(UnaryOp.SCALE, p.gradForAccumulation(), p.gradForAccumulation(), p.size(), factor);
    }

    /** The factor clipping applies to every gradient at this global norm: min(1, maxNorm / (‖g‖ + 1e-6)); 1 when off or not finite. */
    public static float scale(double norm, double maxNorm) {
        return maxNorm > 0 && norm > maxNorm && Double.isFinite(norm) ? (float) (maxNorm / (norm + 1e-6)) : 1f;
    }
}
