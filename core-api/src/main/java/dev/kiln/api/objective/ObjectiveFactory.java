package dev.kiln.api.objective;

import dev.kiln.api.config.Config;
import dev.kiln.api.plugin.KilnPlugin;

/** A pretraining objective plugin (clm, mlm, nsp, ...), registered in META-INF/services. */
public interface ObjectiveFactory extends KilnPlugin {
    /** Creates the objective from its strictly parsed config section (call {@code config.finish()}). */
    Objective create(Config config, ObjectiveContext context);
}
