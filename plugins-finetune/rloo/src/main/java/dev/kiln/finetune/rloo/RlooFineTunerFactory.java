package dev.kiln.finetune.rloo;

import dev.kiln.api.config.Config;
import dev.kiln.api.finetune.FineTuner;
import dev.kiln.api.finetune.FineTunerFactory;
import dev.kiln.api.objective.ObjectiveContext;
import dev.kiln.api.plugin.ApiVersion;
import dev.kiln.api.rl.Advantages;
import dev.kiln.api.rl.OnlinePolicyObjective;
import dev.kiln.api.rl.OnlineSettings;
import dev.kiln.api.rl.PolicyLoss;

/**
 * REINFORCE leave-one-out ("rloo", role SIGNAL; TRL 1.x's RLOOTrainer, which samples like GRPO):
 * k = num_generations completions per prompt, each completion's advantage its reward minus the mean
 * reward of the other k − 1 ({@link Advantages#leaveOneOut}). The KL to the reference is taken off
 * the reward, as TRL does: r − β·Σ_t (logp − ref) over the completion's tokens, before the baseline.
 * Same data, sampling and clipped loss as grpo ({@link OnlinePolicyObjective}); token losses are
 * averaged per completion, then over completions (the grpo normalisation).
 *
 * <p>Config keys (strict; defaults as TRL 1.x): {@code rewards} (required), {@code num_generations}
 * (2, at least 2), {@code num_iterations} (1), {@code beta} (0.05; 0 builds no reference), {@code normalize_advantages} (false:
 * true whitens the advantages over the batch), {@code epsilon} (0.2), {@code epsilon_high},
 * {@code max_prompt_length} (512), {@code max_completion_length} (256), {@code temperature} (1.0),
 * {@code top_k} (0), {@code top_p} (1.0), {@code shuffle} (true), {@code prompt_field},
 * {@code chat_template}. {@code train.batch_size} counts prompts.
 */
public final class RlooFineTunerFactory implements FineTunerFactory {
    public static final String NAME = "rloo";

    @Override
    public String name() { return NAME; }

    @Override
    public String apiVersion() { return ApiVersion.CURRENT; }

    @Override
    public String description() {
        return "REINFORCE leave-one-out: sampled completions scored by reward-function plugins, KL to the reference off the reward (TRL's RLOOTrainer)";
    }

    @Override
    public Role role() { return Role.SIGNAL; }

    @Override
    public FineTuner create(Config config, ObjectiveContext context) {
        return FineTuner.ofSignal(NAME, objective(config, context));
    }

    /** The objective alone, from the same strict config. */
    public OnlinePolicyObjective objective(Config config, ObjectiveContext context) {
        if (context == null || context.tokenizer() == null) throw new IllegalArgumentException("finetune signal 'rloo' needs the tokenizer");
        boolean normalize = config.getBoolean("normalize_advantages", false);
        OnlineSettings settings = OnlineSettings.fromConfig(config, NAME, OnlineSettings.Estimator.LEAVE_ONE_OUT, PolicyLoss.Type.GRPO,
                Advantages.Scale.NONE, normalize, 2, 0.05, context);
        config.finish();
        return new OnlinePolicyObjective(settings, context.tokenizer());
    }
}
