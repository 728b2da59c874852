package org.example.kiln.reverse;

import dev.kiln.api.config.Config;
import dev.kiln.api.objective.Objective;
import dev.kiln.api.objective.ObjectiveContext;
import dev.kiln.api.objective.ObjectiveFactory;
import dev.kiln.api.plugin.ApiVersion;

/**
 * A researcher's objective, built outside Kiln against kiln-core-api only: "reverse-lm" trains
 * a causal model to write each document backwards (predict the previous token from the ones after
 * it). Drop the jar into {@code plugins/reverse-lm/} and use {@code objective: reverse-lm}.
 */
public final class ReverseLmFactory implements ObjectiveFactory {
    @Override
    public String name() { return "reverse-lm"; }

    @Override
    public String apiVersion() { return ApiVersion.CURRENT; }

    @Override
    public String description() { return "causal LM over reversed documents (a sample third-party objective)"; }

    @Override
    public Objective create(Config config, ObjectiveContext context) {
        boolean shuffle = config.getBoolean("shuffle", true);
        config.finish();
        return new ReverseLm(context.tokenizer(), shuffle);
    }
}
