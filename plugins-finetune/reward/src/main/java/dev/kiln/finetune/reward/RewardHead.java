package dev.kiln.finetune.reward;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.nn.Linear;
import dev.kiln.api.nn.Module;
import dev.kiln.api.tensor.Tensor;

import java.util.Random;

/**
 * The reward model's head: one linear layer without bias from the last real token's hidden state to
 * one score, named {@code score} as in transformers' {@code GPT2ForSequenceClassification} /
 * {@code LlamaForSequenceClassification} with {@code num_labels: 1}. Saved with the model as
 * {@code heads.reward.score.weight} [1, C]; the {@code reward_model} reward function reads it back
 * under that name ({@link #WEIGHT}).
 */
final class RewardHead extends Module {
    /** The head tensor's name in a model directory, without {@code heads.}. */
    static final String WEIGHT = RewardFineTunerFactory.NAME + ".score.weight";

    private final Linear score;

    RewardHead(Backend be, int dModel, float std, long seed) {
        this.score = register("score", new Linear(be, new Random(seed), dModel, 1, false, std));
    }

    /** A head holding saved weights {@code weight} [1, C] (frozen: a reward function only reads it). */
    static RewardHead of(Tensor weight) {
        if (weight.dims().length != 2 || weight.dim(0) != 1)
            throw new IllegalArgumentException("a reward head's score.weight must be [1, C], got " + weight.shape());
        RewardHead head = new RewardHead(weight.backend(), weight.dim(1), 0f, 0);
        head.score.weight().copyFrom(weight.toArray());
        head.score.weight().requiresGrad(false);
        head.train(false);
        return head;
    }

    /** pooled: [B, C] → [B, 1] */
    Tensor forward(Tensor pooled) { return score.forward(pooled); }
}
