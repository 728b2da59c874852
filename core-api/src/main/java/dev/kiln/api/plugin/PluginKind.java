package dev.kiln.api.plugin;

import dev.kiln.api.backend.BackendProvider;
import dev.kiln.api.finetune.FineTunerFactory;
import dev.kiln.api.objective.ObjectiveFactory;
import dev.kiln.api.reward.RewardFunctionFactory;

/** The kinds of plugin Kiln discovers, each a ServiceLoader service type. */
public enum PluginKind {
    OBJECTIVE(ObjectiveFactory.class),
    FINETUNER(FineTunerFactory.class),
    BACKEND(BackendProvider.class),
    REWARD(RewardFunctionFactory.class);

    private final Class<? extends KilnPlugin> service;

    PluginKind(Class<? extends KilnPlugin> service) {
        this.service = service;
    }

    public Class<? extends KilnPlugin> service() {
        return service;
    }

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
