package dev.kiln.finetune.dpo;

import dev.kiln.api.objective.StepWorkers;
import dev.kiln.api.ops.Activations;
import dev.kiln.api.ops.Arithmetic;
import dev.kiln.api.tensor.Tensor;

import java.util.List;

/**
 * The per-pair DPO losses of TRL's {@code dpo_loss}, on [B] tensors. With the log-ratios
 * c = log π(chosen) − log π_ref(chosen), r = log π(rejected) − log π_ref(rejected), z = c − r (Δ),
 * β, label smoothing ε and logσ the log-sigmoid:
 * <ul>
 *   <li>{@code sigmoid}: −(1 − ε)·logσ(βz) − ε·logσ(−βz) (ε > 0 is cDPO);</li>
 *   <li>{@code hinge}: max(0, 1 − βz);</li>
 *   <li>{@code ipo}: (z − 1/(2β))², on per-token averaged log-probabilities;</li>
 *   <li>{@code robust}: (−(1 − ε)·logσ(βz) + ε·logσ(−βz)) / (1 − 2ε);</li>
 *   <li>{@code bco_pair}: −logσ(βc − δ) − logσ(−(βr − δ)), δ the running mean of the batch rewards
 *       ({@link RunningMean}, updated with this batch first in training; evaluation reads it without
 *       updating);</li>
 *   <li>{@code sppo_hard}: (c − 1/(2β))² + (r + 1/(2β))²;</li>
 *   <li>{@code apo_zero}: (1 − σ(βc)) + σ(βr);</li>
 *   <li>{@code apo_down}: σ(βc) + (1 − σ(βz));</li>
 *   <li>{@code sft}: the NLL of the chosen completions (the same value for every pair).</li>
 * </ul>
 * The losses of the listed types are summed with their weights; the rewards are
 * Σ weight·β·c and Σ weight·β·r, as TRL accumulates them.
 */
final class DpoLoss {
    private DpoLoss() {}

    /** [B] weighted per-pair losses (on the tape) and the host rewards. */
    record Result(Tensor losses, float[] chosenRewards, float[] rejectedRewards) {}

    /**
     * @param chosen    [B] policy log-probs of the chosen completions (summed, or averaged for ipo)
     * @param rejected  [B] of the rejected ones
     * @param refChosen the reference's, host values [B]
     * @param nll       [1] the chosen completions' NLL (for the sft type), or null
     * @param bco       the running reward mean of bco_pair, or null without it
     * @param update    whether this batch updates it (training) or only reads it (evaluation)
     */
    static Result compute(DpoSettings s, Tensor chosen, Tensor rejected, float[] refChosen, float[] refRejected, Tensor nll, RunningMean bco,
                          boolean update) {
        int b = chosen.dim(0);
        float beta = (float) s.beta(), eps = (float) s.labelSmoothing();
        Tensor c = Arithmetic.sub(chosen, Tensor.of(chosen.backend(), refChosen, b));            // [B] chosen log-ratios
        Tensor r = Arithmetic.sub(rejected, Tensor.of(chosen.backend(), refRejected, b));        // [B] rejected log-ratios
        Tensor z = Arithmetic.sub(c, r);                                                          // [B] Δ
        Tensor total = null;
        float[] cr = new float[b], rr = new float[b], cHost = c.toArray(), rHost = r.toArray();
        List<LossType> types = s.lossTypes();
        for (int i = 0; i < types.size(); i++) {
            float w = (float) s.lossWeights()[i];
            Tensor l = one(types.get(i), c, r, z, beta, eps, nll, bco, update, cHost, rHost);
            total = total == null ? Arithmetic.mulScalar(l, w) : Arithmetic.add(total, Arithmetic.mulScalar(l, w));
            for (int k = 0; k < b; k++) {
                cr[k] += w * beta * cHost[k];
                rr[k] += w * beta * rHost[k];
            }
        }
        return new Result(total, cr, rr);
    }

    private static Tensor one(LossType t, Tensor c, Tensor r, Tensor z, float beta, float eps, Tensor nll, RunningMean bco, boolean update,
                              float[] cHost, float[] rHost) {
        Tensor bz = Arithmetic.mulScalar(z, beta);
        return switch (t) {
            case SIGMOID -> Arithmetic.sub(Arithmetic.mulScalar(logSigmoid(bz), -(1 - eps)), Arithmetic.mulScalar(logSigmoid(Activations.neg(bz)), eps));
            case ROBUST -> Arithmetic.mulScalar(Arithmetic.add(Arithmetic.mulScalar(logSigmoid(bz), -(1 - eps)),
                    Arithmetic.mulScalar(logSigmoid(Activations.neg(bz)), eps)), 1f / (1 - 2 * eps));
            case HINGE -> Activations.relu(Arithmetic.addScalar(Activations.neg(bz), 1f));
            case IPO -> Activations.square(Arithmetic.addScalar(z, -1f / (2 * beta)));
            case BCO_PAIR -> {
                double sum = 0;
                for (int k = 0; k < cHost.length; k++) sum += beta * cHost[k] + beta * rHost[k];
                float[] sumAndCount = {(float) sum, 2f * cHost.length};
                StepWorkers.sum(sumAndCount);            // the whole global batch's mean, as TRL gathers the rewards
                double batchMean = StepWorkers.count() == 1 ? sum / (2.0 * cHost.length) : sumAndCount[0] / (double) sumAndCount[1];
                float delta = (float) (update ? bco.update(batchMean, 1) : bco.peek(batchMean, 1));
                yield Arithmetic.sub(Activations.neg(logSigmoid(Arithmetic.addScalar(Arithmetic.mulScalar(c, beta), -delta))),
                        logSigmoid(Arithmetic.addScalar(Arithmetic.mulScalar(r, -beta), delta)));
            }
            case SPPO_HARD -> Arithmetic.add(Activations.square(Arithmetic.addScalar(c, -0.5f / beta)),
                    Activations.square(Arithmetic.addScalar(r, 0.5f / beta)));
            case APO_ZERO -> Arithmetic.add(Arithmetic.addScalar(Activations.neg(Activations.sigmoid(Arithmetic.mulScalar(c, beta))), 1f),
                    Activations.sigmoid(Arithmetic.mulScalar(r, beta)));
            case APO_DOWN -> Arithmetic.add(Activations.sigmoid(Arithmetic.mulScalar(c, beta)),
                    Arithmetic.addScalar(Activations.neg(Activations.sigmoid(bz)), 1f));
            case SFT -> {
                if (nll == null) throw new IllegalStateException("loss type sft needs the NLL of the chosen completions");
                yield Arithmetic.add(Tensor.zeros(c.backend(), c.dim(0)), nll);           // [B]: the batch NLL for every pair
            }
        };
    }

    /** log σ(x) = min(x, 0) − log(1 + e^−|x|), stable for large |x| (no log of an underflowed σ). */
    static Tensor logSigmoid(Tensor x) {
        Tensor negPart = Arithmetic.sub(x, Activations.relu(x));                                     // min(x, 0)
        Tensor soft = Activations.log(Arithmetic.addScalar(Activations.exp(Activations.neg(Activations.abs(x))), 1f));
        return Arithmetic.sub(negPart, soft);
    }
}
