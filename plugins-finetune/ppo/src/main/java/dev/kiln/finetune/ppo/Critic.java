package dev.kiln.finetune.ppo;

import dev.kiln.api.nn.Module;
import dev.kiln.api.rl.Rollout;
import dev.kiln.api.tensor.Tensor;

/**
 * PPO's value function, trained with the policy by the same optimizer step (TRL's
 * {@code PolicyAndValueWrapper}): a head on the policy's own backbone ({@link ValueHead}), or a model
 * of its own loaded from {@code value_model} ({@link ValueModel}, TRL's layout).
 */
abstract sealed class Critic extends Module permits ValueHead, ValueModel {

    /**
     * policyHidden [N, L, C] (the policy's last hidden states of the rollout's rows) → values [N, L];
     * position t values the state after token t, as the logits there predict t + 1.
     */
    abstract Tensor values(Tensor policyHidden, Rollout rollout);
}
