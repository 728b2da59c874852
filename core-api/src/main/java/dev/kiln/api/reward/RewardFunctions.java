package dev.kiln.api.reward;

import dev.kiln.api.config.Config;

import java.util.List;

/**
 * Creates reward functions by name for a signal (GRPO, RLOO, PPO): the runtime resolves a
 * {@code rewards} entry among the discovered {@link RewardFunctionFactory} plugins and gives each
 * a {@link RewardContext}. Reached through {@link dev.kiln.api.objective.ObjectiveContext#rewards()}.
 */
public interface RewardFunctions {

    /**
     * The reward named by {@code section}'s {@code name} key, created from the section's other keys
     * ({@code weight} excepted: the signal reads it). An unknown name is refused naming the known ones.
     */
    RewardFunction create(Config section);

    /** The names of the reward functions that can be created, sorted. */
    List<String> known();

    /**
     * Reward functions created by name from {@code factories}, each with {@code context}: what the
     * runtime gives a pipeline (over the discovered plugins) and what a test can build by hand.
     */
    static RewardFunctions of(java.util.Map<String, ? extends RewardFunctionFactory> factories, RewardContext context) {
        return new NamedRewardFunctions(factories, context);
    }

    /** For contexts without reward plugins (tests, objectives that need none): every create is refused. */
    RewardFunctions NONE = new RewardFunctions() {
        @Override
        public RewardFunction create(Config section) {
            throw section.error("name", "a reward function, but no reward-function plugins are available here");
        }

        @Override
        public List<String> known() { return List.of(); }
    };
}
