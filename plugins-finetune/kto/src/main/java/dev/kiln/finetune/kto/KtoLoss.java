package dev.kiln.finetune.kto;

import dev.kiln.api.objective.StepWorkers;
import dev.kiln.api.ops.Activations;
import dev.kiln.api.ops.Arithmetic;
import dev.kiln.api.ops.Reductions;
import dev.kiln.api.tensor.Tensor;

/**
 * TRL's {@code kto_loss} on a batch of B unpaired examples. With the log-ratio
 * x = log π(y|x) − log π_ref(y|x) (summed over completion tokens), β and the reference point z:
 * <ul>
 *   <li>{@code kto}: desirable 1 − σ(β(x − z)), undesirable 1 − σ(β(z − x)); z = max(0, mean over
 *       the batch's KL rows of log π(y'|x) − log π_ref(y'|x)), a host value (detached) ({@link #referencePoint});</li>
 *   <li>{@code apo_zero_unpaired}: desirable 1 − σ(βx), undesirable σ(βx): the same with z = 0.</li>
 * </ul>
 * Each is weighted by {@code desirable_weight} or {@code undesirable_weight}; the loss is the mean
 * over all B examples (TRL concatenates both kinds and takes the mean). Rewards are β·x.
 */
final class KtoLoss {
    private KtoLoss() {}

    /** [1] the loss (on the tape) and the host rewards β·x [B]. */
    record Result(Tensor loss, float[] rewards) {}

    /**
     * @param logps     [B] policy log-probs of the examples' completions
     * @param ref       [B] the reference's, host values
     * @param desirable [B] the labels
     * @param z         the reference point (0 for apo_zero_unpaired)
     */
    static Result compute(KtoSettings s, Tensor logps, float[] ref, boolean[] desirable, float z) {
        int b = logps.dim(0);
        float beta = (float) s.beta();
        Tensor x = Arithmetic.sub(logps, Tensor.of(logps.backend(), ref, b));                       // [B] log-ratios
        Tensor sig = Activations.sigmoid(Arithmetic.mulScalar(Arithmetic.addScalar(x, -z), beta)); // [B] σ(β(x − z))
        float[] wDesirable = new float[b], wUndesirable = new float[b];
        for (int i = 0; i < b; i++) {
            if (desirable[i]) wDesirable[i] = (float) s.desirableWeight();
            else wUndesirable[i] = (float) s.undesirableWeight();
        }
        // desirable: 1 − σ(β(x − z)); undesirable: 1 − σ(β(z − x)) = σ(β(x − z))
        Tensor losses = Arithmetic.add(
                Arithmetic.mul(Arithmetic.addScalar(Activations.neg(sig), 1f), Tensor.of(logps.backend(), wDesirable, b)),
                Arithmetic.mul(sig, Tensor.of(logps.backend(), wUndesirable, b)));                       // [B]
        float[] xHost = x.toArray(), rewards = new float[b];
        for (int i = 0; i < b; i++) rewards[i] = beta * xHost[i];
        return new Result(Reductions.mean(losses), rewards);
    }

    /**
     * z = max(0, mean(policyKl − refKl)) over the KL rows [B]: the detached, clamped KL estimate. In a data-parallel
     * training step, over the KL rows of every worker ({@link StepWorkers}; TRL gathers z across processes): the sum
     * and the count summed over the workers, then max(0, sum / count).
     */
    static float referencePoint(float[] policyKl, float[] refKl) {
        double sum = klSum(policyKl, refKl);
        if (StepWorkers.count() == 1) return (float) Math.max(0, sum / policyKl.length);
        float[] sumAndCount = {(float) sum, policyKl.length};
        StepWorkers.sum(sumAndCount);
        return Math.max(0f, sumAndCount[0] / sumAndCount[1]);
    }

    private static double klSum(float[] policyKl, float[] refKl) {
        double sum = 0;
        for (int i = 0; i < policyKl.length; i++) sum += policyKl[i] - refKl[i];
        return sum;
    }
}
