package dev.kiln.api.rl;

import dev.kiln.api.ops.Activations;
import dev.kiln.api.ops.Arithmetic;
import dev.kiln.api.ops.Reductions;
import dev.kiln.api.tensor.Tensor;

import java.util.Locale;

/**
 * The clipped policy-gradient loss of GRPO and RLOO (TRL's {@code compute_loss}), per token t of
 * completion i with advantage A_i and ratio r = exp(logp − logp_old):
 * <pre>
 *   loss_t = −min(r·A_i, clip(r, 1 − ε_low, 1 + ε_high)·A_i) + β·kl_t,
 *   kl_t   = exp(ref − logp) − (ref − logp) − 1            (k3, Schulman's unbiased estimator)
 * </pre>
 * aggregated as {@link Type} says. The min is taken on the host from the forward values; the chosen
 * branch carries the gradient (the clipped one is a constant, as {@code torch.clamp} is outside its
 * range), so the gradient is exactly torch's. With one update per rollout logp_old is the detached
 * logp: r = 1 and the gradient is the plain policy gradient −A_i·∇logp.
 */
public final class PolicyLoss {
    /** How token losses are averaged (TRL's {@code loss_type}). */
    public enum Type {
        /** each completion's token mean, then the mean over completions */
        GRPO,
        /** the sum over all tokens / the number of completion tokens in the batch */
        BNPO,
        /** the sum over all tokens / (completions × max_completion_length) (Dr. GRPO) */
        DR_GRPO,
        /** the token mean over the whole batch (DAPO; one process: as bnpo) */
        DAPO;

        public String key() { return name().toLowerCase(Locale.ROOT); }

        public static Type parse(String s) {
            for (Type t : values()) if (t.key().equalsIgnoreCase(s.trim())) return t;
            return null;
        }
    }

    /**
     * @param loss        [1] on the tape
     * @param lowClipped  share of completion tokens with r &lt; 1 − ε_low and A &lt; 0 (TRL's clip_ratio/low_mean)
     * @param highClipped share with r &gt; 1 + ε_high and A &gt; 0 (clip_ratio/high_mean)
     * @param kl          mean k3 KL over completion tokens, NaN without a reference
     */
    public record Result(Tensor loss, double lowClipped, double highClipped, double kl) {
        /** clip_ratio/region_mean: either side clipped. */
        public double regionClipped() { return lowClipped + highClipped; }
    }

    private PolicyLoss() {}

    /**
     * @param logps      [N, L] per-token log-probabilities on the tape (0 off the mask)
     * @param mask       [N·L] 1 on completion tokens
     * @param old        [N·L] logp_old, host values
     * @param advantages [N] one per completion (every token of a completion gets its advantage)
     * @param ref        [N·L] the reference's log-probabilities, or null (no KL term)
     * @param maxCompletionLength for {@link Type#DR_GRPO}
     */
    public static Result compute(Tensor logps, float[] mask, float[] old, double[] advantages, float[] ref, double beta,
                                 double epsLow, double epsHigh, Type type, int maxCompletionLength) {
        int n = logps.dim(0), l = logps.dim(1);
        if (advantages.length != n) throw new IllegalArgumentException("policy loss: " + advantages.length + " advantages for " + n + " completions");
        float[] perToken = new float[n * l];
        for (int i = 0; i < n; i++) java.util.Arrays.fill(perToken, i * l, (i + 1) * l, (float) advantages[i]);
        return compute(logps, mask, old, perToken, ref, beta, epsLow, epsHigh, type, maxCompletionLength);
    }

    /** As {@link #compute(Tensor, float[], float[], double[], float[], double, double, double, Type, int)} with one advantage per token [N·L] (PPO's GAE). */
    public static Result compute(Tensor logps, float[] mask, float[] old, float[] advantages, float[] ref, double beta,
                                 double epsLow, double epsHigh, Type type, int maxCompletionLength) {
        int n = logps.dim(0), l = logps.dim(1);
        if (mask.length != n * l || old.length != n * l || advantages.length != n * l || (ref != null && ref.length != n * l))
            throw new IllegalArgumentException("policy loss: logps " + logps.shape() + ", mask " + mask.length + ", old " + old.length
                    + ", advantages " + advantages.length + (ref == null ? "" : ", ref " + ref.length) + " do not agree");
        var be = logps.backend();
        Tensor ratio = Activations.exp(Arithmetic.sub(logps, Tensor.of(be, old, n, l)));      // [N, L]
        float[] r = ratio.toArray();
        float[] weight = weights(mask, n, l, type, maxCompletionLength);
        float[] slope = new float[n * l], constant = new float[n * l];
        long tokens = 0, low = 0, high = 0;
        for (int i = 0; i < n; i++)
            for (int t = 0; t < l; t++) {
                int k = i * l + t;
                if (mask[k] == 0) continue;
                tokens++;
                double a = advantages[k], clipped = Math.max(1 - epsLow, Math.min(1 + epsHigh, r[k]));
                if (r[k] < 1 - epsLow && a < 0) low++;
                if (r[k] > 1 + epsHigh && a > 0) high++;
                if (r[k] * a <= clipped * a) slope[k] = (float) (-a * weight[k]);         // −r·A carries the gradient
                else constant[k] = (float) (-clipped * a * weight[k]);                    // the clipped branch: a constant
            }
        Tensor perToken = Arithmetic.add(Arithmetic.mul(ratio, Tensor.of(be, slope, n, l)), Tensor.of(be, constant, n, l));   // [N, L]
        double kl = Double.NaN;
        if (ref != null && beta != 0) {
            Tensor d = Arithmetic.sub(Tensor.of(be, ref, n, l), logps);                     // [N, L] ref − logp
            Tensor k3 = Arithmetic.addScalar(Arithmetic.sub(Activations.exp(d), d), -1f);   // [N, L]
            float[] kv = k3.toArray();
            double s = 0;
            float[] scaled = new float[n * l];
            for (int k = 0; k < kv.length; k++) {
                if (mask[k] == 0) continue;
                s += kv[k];
                scaled[k] = (float) (beta * weight[k]);
            }
            kl = tokens == 0 ? 0 : s / tokens;
            perToken = Arithmetic.add(perToken, Arithmetic.mul(k3, Tensor.of(be, scaled, n, l)));
        }
        Tensor loss = Reductions.sum(perToken);                                               // [1]
        return new Result(loss, tokens == 0 ? 0 : (double) low / tokens, tokens == 0 ? 0 : (double) high / tokens, kl);
    }

    /** [N·L] each completion token's share of the loss under {@code type} (0 off the mask). */
    static float[] weights(float[] mask, int n, int l, Type type, int maxCompletionLength) {
        float[] w = new float[n * l];
        long total = 0;
        int[] counts = new int[n];
        for (int i = 0; i < n; i++)
            for (int t = 0; t < l; t++) if (mask[i * l + t] != 0) { counts[i]++; total++; }
        for (int i = 0; i < n; i++)
            for (int t = 0; t < l; t++) {
                if (mask[i * l + t] == 0) continue;
                w[i * l + t] = (float) switch (type) {
                    case GRPO -> 1.0 / ((double) n * Math.max(1, counts[i]));
                    case BNPO, DAPO -> 1.0 / Math.max(1, total);
                    case DR_GRPO -> 1.0 / ((double) n * maxCompletionLength);
                };
            }
        return w;
    }
}
