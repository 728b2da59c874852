package dev.kiln.finetune.dpo;

import dev.kiln.api.completion.CompletionFormat;
import dev.kiln.api.config.Config;
import dev.kiln.api.finetune.FineTuner;
import dev.kiln.api.finetune.FineTunerFactory;
import dev.kiln.api.objective.Objective;
import dev.kiln.api.objective.ObjectiveContext;
import dev.kiln.api.plugin.ApiVersion;

/**
 * Direct preference optimization ("dpo", role SIGNAL; TRL's DPOTrainer and DPOConfig names): trains
 * whatever the PARAMETERS method leaves trainable (full, lora, QLoRA, ...) on preference rows
 * {@code {prompt, chosen, rejected}} ({@link dev.kiln.api.completion.PreferenceRows}) against a
 * frozen reference: the policy with its adapters disabled, or a frozen copy of finetune.from.
 *
 * <p>Config keys (strict):
 * <ul>
 *   <li>{@code beta} (0.1): the temperature β;</li>
 *   <li>{@code loss_type} (sigmoid): one name or a list of sigmoid, hinge, ipo, robust, bco_pair,
 *       sppo_hard, apo_zero, apo_down, sft ({@link DpoLoss}); {@code loss_weights}: one weight
 *       per type (default 1 each);</li>
 *   <li>{@code label_smoothing} (0, in [0, 0.5]): cDPO for sigmoid, the flip rate for robust;</li>
 *   <li>{@code rpo_alpha} (none): adds rpo_alpha·NLL(chosen completions) to each pair's loss (RPO);</li>
 *   <li>{@code precompute_ref_log_probs} (false): reference log-probs once per pair, before training;</li>
 *   <li>{@code max_length} (0 = the row width, train.seq_len, which also caps it),
 *       {@code max_prompt_length} (512), {@code max_completion_length} (0 = none),
 *       {@code truncation_mode} (keep_end | keep_start): as {@link PreferencePairs} cuts;</li>
 *   <li>{@code shuffle} (true); and how rows are rendered ({@link CompletionFormat#KEYS}):
 *       {@code prompt_field}, {@code chat_template} ({@code model} when the model has one, else
 *       chatml, or role formats), {@code add_eos} (true: completions end with EOS, as TRL).</li>
 * </ul>
 */
public final class DpoFineTunerFactory implements FineTunerFactory {
    public static final String NAME = "dpo";

    @Override
    public String name() { return NAME; }

    @Override
    public String apiVersion() { return ApiVersion.CURRENT; }

    @Override
    public String description() {
        return "direct preference optimization on {prompt, chosen, rejected} rows against a frozen reference (TRL's DPOTrainer)";
    }

    @Override
    public Role role() { return Role.SIGNAL; }

    @Override
    public FineTuner create(Config config, ObjectiveContext context) {
        return FineTuner.ofSignal(NAME, objective(config, context));
    }

    /** The objective alone, from the same strict config. */
    public Objective objective(Config config, ObjectiveContext context) {
        if (context == null || context.tokenizer() == null) throw new IllegalArgumentException("finetune signal 'dpo' needs the tokenizer");
        DpoSettings settings = DpoSettings.fromConfig(config, context.chatTemplate());
        config.finish();
        return new DpoObjective(settings, context.tokenizer());
    }
}
