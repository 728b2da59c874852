package dev.kiln.finetune.kto;

import dev.kiln.api.config.Config;
import dev.kiln.api.finetune.FineTuner;
import dev.kiln.api.finetune.FineTunerFactory;
import dev.kiln.api.objective.Objective;
import dev.kiln.api.objective.ObjectiveContext;
import dev.kiln.api.plugin.ApiVersion;

/**
 * Kahneman–Tversky optimization ("kto", role SIGNAL; TRL's KTOTrainer and KTOConfig names): trains
 * whatever the PARAMETERS method leaves trainable (full, lora, QLoRA, ...) on unpaired rows
 * {@code {prompt, completion, label}} (label true = desirable; {@link dev.kiln.api.completion.PreferenceRows}),
 * standard or conversational, against a frozen reference: the policy with its adapters disabled, or
 * a frozen copy of finetune.from (as dpo).
 *
 * <p>Config keys (strict):
 * <ul>
 *   <li>{@code beta} (0.1); {@code loss_type} (kto | apo_zero_unpaired) ({@link KtoLoss});</li>
 *   <li>{@code desirable_weight} (1.0), {@code undesirable_weight} (1.0): TRL advises weights that
 *       make desirable_weight·#desirable : undesirable_weight·#undesirable between 1:1 and 4:3;</li>
 *   <li>{@code max_length} (0 = the row width, train.seq_len, which also caps it), {@code max_prompt_length}
 *       (512): as {@link UnpairedExamples} cuts;</li>
 *   <li>{@code shuffle} (true); and how rows are rendered ({@link dev.kiln.api.completion.CompletionFormat#KEYS}):
 *       {@code prompt_field}, {@code completion_field}, {@code chat_template}, {@code add_eos} (true).</li>
 * </ul>
 * train.batch_size must be at least 2 for loss_type kto (its KL estimate pairs examples within a batch).
 */
public final class KtoFineTunerFactory implements FineTunerFactory {
    public static final String NAME = "kto";

    @Override
    public String name() { return NAME; }

    @Override
    public String apiVersion() { return ApiVersion.CURRENT; }

    @Override
    public String description() {
        return "Kahneman-Tversky optimization on unpaired {prompt, completion, label} rows against a frozen reference (TRL's KTOTrainer)";
    }

    @Override
    public Role role() { return Role.SIGNAL; }

    @Override
    public FineTuner create(Config config, ObjectiveContext context) {
        return FineTuner.ofSignal(NAME, objective(config, context));
    }

    /** The objective alone, from the same strict config. */
    public Objective objective(Config config, ObjectiveContext context) {
        if (context == null || context.tokenizer() == null) throw new IllegalArgumentException("finetune signal 'kto' needs the tokenizer");
        KtoSettings settings = KtoSettings.fromConfig(config, context.chatTemplate());
        config.finish();
        return new KtoObjective(settings, context.tokenizer());
    }
}
