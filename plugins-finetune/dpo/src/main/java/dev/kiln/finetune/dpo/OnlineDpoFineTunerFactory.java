package dev.kiln.finetune.dpo;

import dev.kiln.api.config.Config;
import dev.kiln.api.finetune.FineTuner;
import dev.kiln.api.finetune.FineTunerFactory;
import dev.kiln.api.objective.Objective;
import dev.kiln.api.objective.ObjectiveContext;
import dev.kiln.api.plugin.ApiVersion;
import dev.kiln.api.rl.Advantages;
import dev.kiln.api.rl.OnlineSettings;
import dev.kiln.api.rl.PolicyLoss;


/**
 * Online DPO ("online_dpo", role SIGNAL; TRL's OnlineDPOTrainer and OnlineDPOConfig names): DPO on pairs the
 * policy samples itself at every step, ranked by reward functions ({@link OnlineDpoObjective}), against a reference
 * built as for dpo (a frozen copy, or for adapter methods the same model with the adapter off).
 *
 * <p>Config keys (strict): {@code rewards} (required: reward functions with weights, as grpo; a reward model
 * directory is {@code {name: reward_model, path: …}}); {@code beta} (0.1); {@code loss_type} (sigmoid | ipo);
 * {@code max_completion_length} (64, TRL's max_new_tokens), {@code temperature} (0.9), {@code top_k} (0 = off),
 * {@code top_p} (1.0), {@code max_prompt_length} (512), {@code shuffle} (true), {@code prompt_field},
 * {@code chat_template} as dpo. {@code train.batch_size} counts prompts: a step trains on that many pairs.
 */
public final class OnlineDpoFineTunerFactory implements FineTunerFactory {
    public static final String NAME = "online_dpo";

    @Override
    public String name() { return NAME; }

    @Override
    public String apiVersion() { return ApiVersion.CURRENT; }

    @Override
    public String description() {
        return "online DPO: pairs sampled from the policy at every step, ranked by reward-function plugins (TRL's OnlineDPOTrainer)";
    }

    @Override
    public Role role() { return Role.SIGNAL; }

    @Override
    public FineTuner create(Config config, ObjectiveContext context) {
        return FineTuner.ofSignal(NAME, objective(config, context));
    }

    /** The objective alone, from the same strict config. */
    public Objective objective(Config config, ObjectiveContext context) {
        if (context == null || context.tokenizer() == null) throw new IllegalArgumentException("finetune signal 'online_dpo' needs the tokenizer");
        for (String key : new String[] {"num_generations", "num_iterations", "epsilon", "epsilon_high"})
            if (config.has(key)) throw config.error(key, "does not apply to online_dpo (it samples one pair per prompt and steps once per batch)");
        LossType type = LossType.parse(config.getString("loss_type", "sigmoid"), config);
        if (type != LossType.SIGMOID && type != LossType.IPO) throw config.error("loss_type", "online_dpo supports sigmoid or ipo, got '" + type.key() + "'");
        // TRL's OnlineDPOConfig defaults where they differ from grpo's: max_new_tokens 64, temperature 0.9
        OnlineSettings settings = OnlineSettings.fromConfig(config, NAME, OnlineSettings.Estimator.GROUP, PolicyLoss.Type.DAPO, Advantages.Scale.NONE,
                false, 2, 0.1, 64, 0.9, context);
        if (!(settings.beta() > 0)) throw config.error("beta", "must be > 0 (the DPO temperature), got " + settings.beta());
        config.finish();
        return new OnlineDpoObjective(settings, type, context.tokenizer());
    }
}
