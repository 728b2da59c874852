package dev.kiln.finetune.reward;

import dev.kiln.api.ops.Activations;
import dev.kiln.api.ops.Arithmetic;
import dev.kiln.api.ops.Losses;
import dev.kiln.api.ops.Reductions;
import dev.kiln.api.tensor.Tensor;

import java.util.Arrays;

/**
 * The pairwise (Bradley–Terry) loss of TRL's RewardTrainer on the rewards of B pairs:
 * mean over pairs of −log σ(r_c − r_r − m) (m the row's {@code margin}, 0 without the column), plus
 * {@code center_rewards_coefficient}·mean((r_c + r_r)²) when that coefficient is set (Eisenstein
 * et al.'s auxiliary loss that keeps rewards centred on 0).
 */
final class RewardLoss {
    private RewardLoss() {}

    /**
     * @param chosen   [B] rewards of the chosen sides
     * @param rejected [B] of the rejected sides
     * @param margins  [B] host margins (zeros without the column)
     * @param center   the centering coefficient, or null for none (TRL's default)
     * @return [1] the loss
     */
    static Tensor compute(Tensor chosen, Tensor rejected, float[] margins, Double center) {
        int b = chosen.dim(0);
        Tensor diff = Arithmetic.sub(Arithmetic.sub(chosen, rejected), Tensor.of(chosen.backend(), margins, b));   // [B]
        float[] ones = new float[b];
        Arrays.fill(ones, 1f);
        Tensor loss = Losses.binaryCrossEntropyWithLogits(diff, Tensor.of(chosen.backend(), ones, b));           // [1] mean −log σ(diff)
        if (center == null) return loss;
        Tensor centering = Reductions.mean(Activations.square(Arithmetic.add(chosen, rejected)));                // [1]
        return Arithmetic.add(loss, Arithmetic.mulScalar(centering, center.floatValue()));
    }
}
