package dev.kiln.finetune.reward;

import dev.kiln.api.nn.ModelInput;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.ops.Arithmetic;
import dev.kiln.api.ops.Reductions;
import dev.kiln.api.ops.Shapes;
import dev.kiln.api.tensor.IntTensor;
import dev.kiln.api.tensor.Tensor;

/**
 * The scalar reward of right-padded sequences, as transformers' {@code *ForSequenceClassification}
 * computes it for causal models: backbone → the hidden state of each row's last non-padding token
 * (the last position whose attention mask is 1) → the {@code score} head. The training objective
 * and the {@code reward_model} reward function both score through here, so a saved reward model
 * gives the reward function exactly the r it was trained on.
 */
final class SequenceRewards {
    private SequenceRewards() {}

    /** ids, mask: [N, L] (mask 1 = real token, right padding) → rewards [N] (on the tape when the model or head trains). */
    static Tensor score(Transformer net, RewardHead head, IntTensor ids, IntTensor mask) {
        Tensor hidden = net.forward(ModelInput.of(ids).withAttentionMask(mask));     // [N, L, C]
        return Shapes.reshape(head.forward(lastReal(hidden, mask)), ids.dim(0));     // [N]
    }

    /** hidden: [N, L, C], mask: [N, L] → [N, C], each row's hidden state at its last real token. */
    static Tensor lastReal(Tensor hidden, IntTensor mask) {
        int n = hidden.dim(0), l = hidden.dim(1);
        float[] pick = new float[n * l];
        for (int row = 0; row < n; row++) pick[row * l + lastRealIndex(mask, row)] = 1f;
        Tensor oneHot = Tensor.of(hidden.backend(), pick, n, l, 1);                    // [N, L, 1]
        return Reductions.sum(Arithmetic.mul(hidden, oneHot), 1, false);              // [N, C]
    }

    /** The index of row {@code row}'s last real token; a row with none is an error (it would have no reward). */
    static int lastRealIndex(IntTensor mask, int row) {
        int l = mask.dim(1);
        for (int t = l - 1; t >= 0; t--) if (mask.data()[row * l + t] != 0) return t;
        throw new IllegalArgumentException("row " + row + " of the batch has no real token to score");
    }
}
