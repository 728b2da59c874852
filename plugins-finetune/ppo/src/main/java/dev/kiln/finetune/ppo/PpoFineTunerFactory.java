package dev.kiln.finetune.ppo;

import dev.kiln.api.config.Config;
import dev.kiln.api.finetune.FineTuner;
import dev.kiln.api.finetune.FineTunerFactory;
import dev.kiln.api.objective.ObjectiveContext;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.plugin.ApiVersion;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Proximal policy optimization for language models ("ppo", role SIGNAL; TRL's experimental
 * PPOTrainer and PPOConfig names): a value model of its own or a value head on the policy's backbone, rewards from reward-function
 * plugins on prompt-only rows {@code {prompt}}, a per-token KL penalty to the reference, GAE and
 * several PPO epochs per rollout ({@link PpoObjective}).
 *
 * <p>Config keys (strict; TRL's defaults): {@code rewards} (required), {@code num_ppo_epochs} (4),
 * {@code cliprange} (0.2), {@code cliprange_value} (0.2), {@code vf_coef} (0.1), {@code gamma} (1.0),
 * {@code lam} (0.95), {@code whiten_rewards} (false), {@code kl_coef} (0.05; with {@code target_kl} the
 * adaptive controller of Ziegler et al. starting there, {@code horizon} 10000), {@code response_length}
 * (53), {@code temperature} (0.7), {@code top_k} (0), {@code top_p} (1.0), {@code max_prompt_length}
 * (512), {@code shuffle} (true), {@code prompt_field}, {@code chat_template}, {@code value_model} (a reward
 * model directory the value model starts from, as TRL's example starts it from the reward model; absent: a
 * value head on the policy's backbone). {@code train.batch_size}
 * counts prompts (one completion each); {@code train.steps} counts optimizer steps, num_ppo_epochs per rollout.
 */
public final class PpoFineTunerFactory implements FineTunerFactory {
    public static final String NAME = "ppo";

    @Override
    public String name() { return NAME; }

    @Override
    public String apiVersion() { return ApiVersion.CURRENT; }

    @Override
    public String description() {
        return "proximal policy optimization with a value head or a value model, GAE and a KL penalty, scored by reward-function plugins (TRL's PPOTrainer)";
    }

    @Override
    public Role role() { return Role.SIGNAL; }

    @Override
    public FineTuner create(Config config, ObjectiveContext context) {
        return FineTuner.ofSignal(NAME, objective(config, context));
    }

    /** The objective alone, from the same strict config. */
    PpoObjective objective(Config config, ObjectiveContext context) {
        if (context == null || context.tokenizer() == null || context.model() == null)
            throw new IllegalArgumentException("finetune signal 'ppo' needs the tokenizer and the model's shape");
        PpoSettings settings = PpoSettings.fromConfig(config, context);
        config.finish();
        return new PpoObjective(settings, context.tokenizer(), critic(settings, context));
    }

    /** The value model of {@code value_model}, or a value head on the policy's backbone. */
    private static Critic critic(PpoSettings settings, ObjectiveContext context) {
        TransformerConfig m = context.model();
        if (settings.valueModel() == null) return new ValueHead(context.backend(), m.dModel(), context.seed(), (float) m.initStd());
        try {
            return ValueModel.from(settings.valueModel(), context.models().load(settings.valueModel()), context.tokenizer());
        } catch (IOException e) {
            throw new UncheckedIOException("finetune.signal.value_model: cannot load " + settings.valueModel() + ": " + e.getMessage(), e);
        }
    }
}
