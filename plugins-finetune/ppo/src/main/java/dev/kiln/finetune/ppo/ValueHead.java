package dev.kiln.finetune.ppo;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.nn.Linear;
import dev.kiln.api.ops.Shapes;
import dev.kiln.api.rl.Rollout;
import dev.kiln.api.tensor.Tensor;

import java.util.Random;

/**
 * PPO's value head on the policy's last hidden states ({@code score}: C → 1, TRL's
 * {@code AutoModelForCausalLMWithValueHead}); saved under {@code heads.ppo.score.*}.
 */
final class ValueHead extends Critic {
    private final Linear score;

    ValueHead(Backend be, int dModel, long seed, float std) {
        this.score = register("score", new Linear(be, new Random(seed), dModel, 1, true, std));
    }

    @Override
    Tensor values(Tensor hidden, Rollout rollout) {
        return Shapes.reshape(score.forward(hidden), hidden.dim(0), hidden.dim(1));     // [N, L]
    }
}
