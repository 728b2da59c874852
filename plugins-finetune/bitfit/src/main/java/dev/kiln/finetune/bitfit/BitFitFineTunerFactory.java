package dev.kiln.finetune.bitfit;

import dev.kiln.api.config.Config;
import dev.kiln.api.finetune.FineTuner;
import dev.kiln.api.finetune.FineTunerFactory;
import dev.kiln.api.objective.ObjectiveContext;
import dev.kiln.api.plugin.ApiVersion;

/**
 * BitFit ("bitfit", role PARAMETERS): only bias terms and the objective's head train.
 *
 * <p>Config keys (strict):
 * <ul>
 *   <li>{@code include_norms} (default true): also train LayerNorm biases (norm gains never train).</li>
 * </ul>
 */
public final class BitFitFineTunerFactory implements FineTunerFactory {
    public static final String NAME = "bitfit";

    @Override
    public String name() { return NAME; }

    @Override
    public String apiVersion() { return ApiVersion.CURRENT; }

    @Override
    public String description() { return "BitFit: train only the bias terms (and norm biases) plus the task head"; }

    @Override
    public Role role() { return Role.PARAMETERS; }

    @Override
    public FineTuner create(Config config, ObjectiveContext context) {
        boolean includeNorms = config.getBoolean("include_norms", true);
        config.finish();
        return new BitFitFineTuner(includeNorms);
    }
}
