package dev.kiln.api.reward;

import dev.kiln.api.config.Config;
import dev.kiln.api.plugin.KilnPlugin;

/**
 * A reward-function plugin, registered in
 * {@code META-INF/services/dev.kiln.api.reward.RewardFunctionFactory} like objectives and
 * fine-tuners, and selected by {@link #name()} in a signal's {@code rewards} list:
 * <pre>
 * finetune:
 *   signal: {name: grpo, rewards: [{name: length, target: 24, weight: 0.5}, {name: reward_model, path: out/rm}]}
 * </pre>
 * The section holds the reward's own options; {@code name} and {@code weight} belong to the
 * signal and are taken out before {@link #create} sees it.
 */
public interface RewardFunctionFactory extends KilnPlugin {

    /** Creates the reward from its strictly parsed options (call {@code options.finish()}). */
    RewardFunction create(Config options, RewardContext context);
}
