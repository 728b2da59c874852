package dev.kiln.finetune.grpo;

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
 * Group relative policy optimization ("grpo", role SIGNAL; TRL's GRPOTrainer and GRPOConfig names):
 * trains whatever the PARAMETERS method leaves trainable on prompt-only rows {@code {prompt}}
 * (text, or messages rendered with the chat template), sampling G completions per prompt with the
 * policy, scoring them with reward-function plugins and weighting each token's log-probability by
 * its completion's group-relative advantage ({@link OnlinePolicyObjective}).
 *
 * <p>Config keys (strict; defaults as TRL 1.x):
 * <ul>
 *   <li>{@code rewards} (required): a list of {@code {name, weight (1), ...options}} reward functions;</li>
 *   <li>{@code num_generations} (8), {@code num_iterations} (1: optimizer steps per rollout, TRL's μ), {@code max_prompt_length} (512, kept from the end; 0 = none),
 *       {@code max_completion_length} (256), {@code temperature} (1.0), {@code top_k} (0 = off), {@code top_p} (1.0);</li>
 *   <li>{@code epsilon} (0.2), {@code epsilon_high} (= epsilon; DAPO's clip-higher);</li>
 *   <li>{@code beta} (0.0): the k3 KL to the reference in the loss; &gt; 0 builds a reference as dpo does;</li>
 *   <li>{@code loss_type} (dapo): grpo | bnpo | dr_grpo | dapo ({@link PolicyLoss.Type});</li>
 *   <li>{@code scale_rewards} (group): group | batch | none, or true (group) / false (none, Dr. GRPO);</li>
 *   <li>{@code shuffle} (true); {@code prompt_field}, {@code chat_template} as dpo.</li>
 * </ul>
 * {@code train.batch_size} counts prompts: a step trains on batch_size × num_generations completions.
 */
public final class GrpoFineTunerFactory implements FineTunerFactory {
    public static final String NAME = "grpo";

    @Override
    public String name() { return NAME; }

    @Override
    public String apiVersion() { return ApiVersion.CURRENT; }

    @Override
    public String description() {
        return "group relative policy optimization: sampled completions scored by reward-function plugins (TRL's GRPOTrainer)";
    }

    @Override
    public Role role() { return Role.SIGNAL; }

    @Override
    public FineTuner create(Config config, ObjectiveContext context) {
        return FineTuner.ofSignal(NAME, objective(config, context));
    }

    /** The objective alone, from the same strict config. */
    public OnlinePolicyObjective objective(Config config, ObjectiveContext context) {
        if (context == null || context.tokenizer() == null) throw new IllegalArgumentException("finetune signal 'grpo' needs the tokenizer");
        String typeName = config.getString("loss_type", "dapo");
        PolicyLoss.Type type = PolicyLoss.Type.parse(typeName);
        if (type == null) throw config.error("loss_type", "expected one of grpo, bnpo, dr_grpo, dapo, got '" + typeName + "'");
        OnlineSettings settings = OnlineSettings.fromConfig(config, NAME, OnlineSettings.Estimator.GROUP, type, scale(config), false, 8, 0.0, context);
        config.finish();
        return new OnlinePolicyObjective(settings, context.tokenizer());
    }

    private static Advantages.Scale scale(Config config) {
        String v = config.getString("scale_rewards", "group").trim().toLowerCase(java.util.Locale.ROOT);
        return switch (v) {
            case "group", "true" -> Advantages.Scale.GROUP;
            case "batch" -> Advantages.Scale.BATCH;
            case "none", "false" -> Advantages.Scale.NONE;
            default -> throw config.error("scale_rewards", "expected group, batch, none, true or false, got '" + v + "'");
        };
    }
}
