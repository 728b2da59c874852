package dev.kiln.finetune.dpo;

import dev.kiln.api.ops.Activations;
import dev.kiln.api.ops.Arithmetic;
import dev.kiln.api.ops.Reductions;
import dev.kiln.api.ops.Shapes;
import dev.kiln.api.tensor.Tensor;

/**
 * Online DPO's loss over sampled pairs: rows 2p and 2p + 1 are two completions of prompt p; the one the
 * rewards score higher is chosen, the other rejected, and a pair whose rewards tie carries no preference and
 * is left out. With the log-ratios ρ = log π(row) − log π_ref(row) and Δ_p = ρ(chosen) − ρ(rejected):
 * {@code sigmoid} −logσ(βΔ), {@code ipo} (Δ − 1/(2β))² (on per-token averaged log-probabilities), averaged
 * over the untied pairs (0, still on the tape, when every pair ties).
 */
final class OnlinePairLoss {
    private OnlinePairLoss() {}

    /**
     * @param loss    [1] on the tape
     * @param margins each pair's Δ (host; NaN for a tied pair)
     * @param chosen  each pair's chosen row (−1 for a tied pair)
     */
    record Result(Tensor loss, float[] margins, int[] chosen, int untied) {}

    /**
     * @param ratios  [2P] log π − log π_ref of each row (summed, or averaged for ipo), on the tape
     * @param rewards [2P] each row's total reward
     */
    static Result compute(Tensor ratios, double[] rewards, double beta, LossType type) {
        int rows = ratios.dim(0), pairs = rows / 2;
        if (rows % 2 != 0 || rewards.length != rows) throw new IllegalArgumentException("online dpo needs two completions per prompt: " + rows + " rows, " + rewards.length + " rewards");
        float[] sign = new float[rows], keep = new float[pairs];
        int[] chosen = new int[pairs];
        int untied = 0;
        for (int p = 0; p < pairs; p++) {
            double a = rewards[2 * p], b = rewards[2 * p + 1];
            if (a == b) {
                chosen[p] = -1;
                continue;
            }
            chosen[p] = a > b ? 2 * p : 2 * p + 1;
            sign[2 * p] = a > b ? 1f : -1f;
            sign[2 * p + 1] = -sign[2 * p];
            keep[p] = 1f;
            untied++;
        }
        Tensor signed = Arithmetic.mul(ratios, Tensor.of(ratios.backend(), sign, rows));           // [2P] ±ρ (0 for tied pairs)
        Tensor delta = Reductions.sum(Shapes.reshape(signed, pairs, 2), 1, false);                  // [P] Δ
        Tensor perPair = switch (type) {
            case SIGMOID -> Activations.neg(DpoLoss.logSigmoid(Arithmetic.mulScalar(delta, (float) beta)));
            case IPO -> Activations.square(Arithmetic.addScalar(delta, (float) (-1 / (2 * beta))));
            default -> throw new IllegalArgumentException("online dpo supports loss_type sigmoid or ipo, got " + type.key());
        };
        Tensor kept = Arithmetic.mul(perPair, Tensor.of(ratios.backend(), keep, pairs));           // [P] tied pairs out
        Tensor loss = Arithmetic.mulScalar(Reductions.sum(kept), 1f / Math.max(1, untied));          // [1]
        float[] d = delta.toArray(), margins = new float[pairs];
        for (int p = 0; p < pairs; p++) margins[p] = chosen[p] < 0 ? Float.NaN : d[p];
        return new Result(loss, margins, chosen, untied);
    }
}
