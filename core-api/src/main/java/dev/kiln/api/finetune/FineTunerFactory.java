package dev.kiln.api.finetune;

import dev.kiln.api.config.Config;
import dev.kiln.api.objective.ObjectiveContext;
import dev.kiln.api.plugin.KilnPlugin;

/** A fine-tuning method plugin (full, lora, sft, dpo, ...), registered in META-INF/services. */
public interface FineTunerFactory extends KilnPlugin {

    /** Which half of a fine-tuning pipeline this method fills. */
    enum Role {
        /** What trains: full, frozen layers, LoRA, IA3, BitFit, quantized base ... */
        PARAMETERS,
        /** What signal trains it: supervised, preference (DPO), reward model, RL ... */
        SIGNAL
    }

    Role role();

    /** Creates the method from its strictly parsed config section (call {@code config.finish()}). */
    FineTuner create(Config config, ObjectiveContext context);
}
