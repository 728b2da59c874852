package dev.kiln.finetune.ppo;

import dev.kiln.api.nn.Linear;
import dev.kiln.api.nn.ModelInput;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.ops.Shapes;
import dev.kiln.api.reward.RewardContext;
import dev.kiln.api.rl.Rollout;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tokenizer.Tokenizer;

import java.nio.file.Path;
import java.util.Random;
import java.util.TreeSet;

/**
 * A value model of its own, as TRL's PPOTrainer keeps one (an {@code AutoModelForSequenceClassification}
 * with one label, loaded from the reward model): a backbone and a {@code score} head (C → 1, no bias)
 * started from a reward model directory and trained beside the policy; every position's hidden state
 * is scored, not only the last. Dropout is off (TRL disables it in both models). Saved with the policy
 * under {@code heads.ppo.value_backbone.*} and {@code heads.ppo.value_score.weight}, so a checkpoint
 * resumes it.
 */
final class ValueModel extends Critic {
    /** The reward model's head, as the {@code reward} signal saves it (without {@code heads.}). */
    static final String REWARD_SCORE = "reward.score.weight";

    private final Transformer backbone;
    private final Linear score;

    private ValueModel(Transformer backbone, Tensor scoreWeight) {
        this.backbone = register("value_backbone", backbone);
        int c = backbone.config().dModel();
        this.score = register("value_score", new Linear(scoreWeight.backend(), new Random(0), c, 1, false, 0f));
        score.weight().copyFrom(scoreWeight.toArray());
        backbone.setDropout(0f);
        for (Tensor p : parameters()) p.requiresGrad(true);
    }

    /**
     * The value model in {@code dir} (a reward model directory: {@code heads.reward.score.weight} [1, C]),
     * checked against the policy's tokenizer; errors name the directory and the mismatch.
     */
    static ValueModel from(Path dir, RewardContext.SavedModel saved, Tokenizer policyTokenizer) {
        Tensor weight = saved.heads().get(REWARD_SCORE);
        int c = saved.model().config().dModel();
        if (weight == null)
            throw new IllegalArgumentException("finetune.signal.value_model: " + dir + " has no score head '" + REWARD_SCORE + "' (saved heads: "
                    + new TreeSet<>(saved.heads().keySet()) + "); give a reward model directory (finetune.signal: reward), as TRL starts the value model from the reward model");
        if (weight.dims().length != 2 || weight.dim(0) != 1 || weight.dim(1) != c)
            throw new IllegalArgumentException("finetune.signal.value_model: " + dir + ": head '" + REWARD_SCORE + "' is " + weight.shape()
                    + ", expected [1, " + c + "]");
        if (saved.tokenizer().vocabSize() != policyTokenizer.vocabSize())
            throw new IllegalArgumentException("finetune.signal.value_model: " + dir + " has a tokenizer of " + saved.tokenizer().vocabSize()
                    + " ids but the policy's has " + policyTokenizer.vocabSize() + "; the value model reads the policy's token ids, so it needs the policy's tokenizer");
        if (!saved.model().config().causal())
            throw new IllegalArgumentException("finetune.signal.value_model: " + dir + " is not a causal model; a value at position t may only see tokens up to t");
        return new ValueModel(saved.model(), weight);
    }

    @Override
    Tensor values(Tensor policyHidden, Rollout r) {
        Tensor hidden = backbone.forward(ModelInput.of(r.ids()).withAttentionMask(r.attentionMask()));     // [N, L, C]
        return Shapes.reshape(score.forward(hidden), hidden.dim(0), hidden.dim(1));                       // [N, L]
    }
}
