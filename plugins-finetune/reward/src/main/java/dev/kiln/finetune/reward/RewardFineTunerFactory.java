package dev.kiln.finetune.reward;

import dev.kiln.api.config.Config;
import dev.kiln.api.finetune.FineTuner;
import dev.kiln.api.finetune.FineTunerFactory;
import dev.kiln.api.objective.Objective;
import dev.kiln.api.objective.ObjectiveContext;
import dev.kiln.api.plugin.ApiVersion;

/**
 * Reward modelling ("reward", role SIGNAL; TRL's RewardTrainer and RewardConfig names): trains a
 * scalar {@code score} head on the last real token ({@link RewardHead}, saved as
 * {@code heads.reward.score.weight} [1, C]) together with whatever the PARAMETERS method leaves
 * trainable (full, lora, ...), on preference rows {@code {prompt, chosen, rejected}} with an explicit
 * or implicit prompt and an optional numeric {@code margin} column
 * ({@link dev.kiln.api.completion.PreferenceRows}), standard text or conversational messages.
 * No reference model.
 *
 * <p>Config keys (strict):
 * <ul>
 *   <li>{@code center_rewards_coefficient} (none): adds coefficient·mean((r_c + r_r)²) ({@link RewardLoss});</li>
 *   <li>{@code max_length} (0 = the row width, train.seq_len, which also caps it): longer sides keep their last tokens;</li>
 *   <li>{@code shuffle} (true); and how rows are rendered ({@link dev.kiln.api.completion.CompletionFormat#KEYS}):
 *       {@code prompt_field}, {@code chat_template} ({@code model} when the model has one, else chatml, or role
 *       formats), {@code add_eos} (true: text completions end with EOS, as TRL appends it).</li>
 * </ul>
 * The same jar holds the {@code reward_model} reward function ({@link RewardModelFunctionFactory}),
 * which scores online-RL completions with a model directory this signal wrote.
 */
public final class RewardFineTunerFactory implements FineTunerFactory {
    public static final String NAME = "reward";

    @Override
    public String name() { return NAME; }

    @Override
    public String apiVersion() { return ApiVersion.CURRENT; }

    @Override
    public String description() {
        return "reward model: a scalar score head on the last token, trained on {prompt, chosen, rejected} rows (TRL's RewardTrainer)";
    }

    @Override
    public Role role() { return Role.SIGNAL; }

    @Override
    public FineTuner create(Config config, ObjectiveContext context) {
        return FineTuner.ofSignal(NAME, objective(config, context));
    }

    /** The objective alone, from the same strict config. */
    public Objective objective(Config config, ObjectiveContext context) {
        if (context == null || context.tokenizer() == null || context.model() == null)
            throw new IllegalArgumentException("finetune signal 'reward' needs the tokenizer and the model config");
        RewardSettings settings = RewardSettings.fromConfig(config, context.chatTemplate());
        config.finish();
        RewardHead head = new RewardHead(context.backend(), context.model().dModel(), context.model().initStd(), context.seed() * 31 + 17);
        return new RewardObjective(settings, context.tokenizer(), context.model(), head);
    }
}
