package dev.kiln.api.reward;

import java.util.List;

/**
 * A reward for online RL (GRPO, RLOO, PPO): one score per completion, higher is better. Created by
 * a {@link RewardFunctionFactory} from its config section; a signal may combine several, each with
 * a weight (TRL's {@code reward_funcs} and {@code reward_weights}).
 */
public interface RewardFunction {

    /** The name metrics use for this reward ({@code rewards/<name>/mean}), e.g. "length". */
    String name();

    /**
     * One score per completion, in order. {@code Double.NaN} means "no opinion" for that completion
     * (TRL's {@code None}): the weighted sum of rewards leaves it out.
     */
    double[] score(List<Completion> completions);
}
