package dev.kiln.finetune.sft;

import dev.kiln.api.config.Config;
import dev.kiln.api.objective.Objective;
import dev.kiln.api.objective.ObjectiveContext;
import dev.kiln.api.objective.ObjectiveFactory;

/** Test adapter: the sft signal's objective seen as an ObjectiveFactory, so ObjectiveContract applies to it. */
final class SftObjectiveFactory implements ObjectiveFactory {
    private final SftFineTunerFactory sft = new SftFineTunerFactory();

    @Override
    public String name() { return sft.name(); }

    @Override
    public String apiVersion() { return sft.apiVersion(); }

    @Override
    public Objective create(Config config, ObjectiveContext context) {
        return sft.create(config, context).signal();
    }
}
