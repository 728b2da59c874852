package dev.kiln.api.finetune;

import dev.kiln.api.config.Config;
import dev.kiln.api.plugin.KilnPlugin;

/** A fine-tuning method plugin (full, lora, sft, dpo, ...), registered in META-INF/services. */
public interface FineTunerFactory extends KilnPlugin {
    FineTuner create(Config config);
}
