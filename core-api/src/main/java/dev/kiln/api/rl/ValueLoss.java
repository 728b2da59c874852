package dev.kiln.api.rl;

import dev.kiln.api.ops.Activations;
import dev.kiln.api.ops.Arithmetic;
import dev.kiln.api.ops.Reductions;
import dev.kiln.api.tensor.Tensor;

/**
 * PPO's clipped value loss (TRL's PPOTrainer): per completion token,
 * {@code 0.5·max((V − R)², (V_old + clip(V − V_old, −ε, ε) − R)²)}, averaged over the completion
 * tokens of the batch. The max is taken on the host from the forward values; the chosen branch
 * carries the gradient (a clipped prediction is a constant), as torch's max and clamp do.
 */
public final class ValueLoss {
    /** @param loss [1] on the tape @param clipped share of tokens where the clipped branch was larger (val/clipfrac) */
    public record Result(Tensor loss, double clipped) {}

    private ValueLoss() {}

    /**
     * @param values  [N, L] the value head's predictions on the tape
     * @param mask    [N·L] 1 on completion tokens
     * @param old     [N·L] the predictions at rollout time
     * @param returns [N·L] the targets R
     */
    public static Result compute(Tensor values, float[] mask, float[] old, float[] returns, double epsilon) {
        int n = values.dim(0), l = values.dim(1);
        float[] v = values.toArray();
        long tokens = 0, clipped = 0;
        for (float m : mask) if (m != 0) tokens++;
        double w = 0.5 / Math.max(1, tokens);
        float[] slope = new float[n * l], constant = new float[n * l];
        for (int k = 0; k < n * l; k++) {
            if (mask[k] == 0) continue;
            double vk = v[k], d = vk - old[k], vc = d > epsilon ? old[k] + epsilon : d < -epsilon ? old[k] - epsilon : vk;   // inside: V itself
            double plain = (vk - returns[k]) * (vk - returns[k]), clip = (vc - returns[k]) * (vc - returns[k]);
            if (plain >= clip) slope[k] = (float) w;
            else {
                constant[k] = (float) (w * clip);
                clipped++;
            }
        }
        var be = values.backend();
        Tensor sq = Activations.square(Arithmetic.sub(values, Tensor.of(be, returns, n, l)));                // [N, L]
        Tensor loss = Reductions.sum(Arithmetic.add(Arithmetic.mul(sq, Tensor.of(be, slope, n, l)), Tensor.of(be, constant, n, l)));
        return new Result(loss, tokens == 0 ? 0 : (double) clipped / tokens);
    }
}
