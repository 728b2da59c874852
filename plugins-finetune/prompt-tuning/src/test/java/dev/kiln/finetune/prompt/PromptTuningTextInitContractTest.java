package dev.kiln.finetune.prompt;

import dev.kiln.api.finetune.FineTunerContract;
import dev.kiln.api.finetune.FineTunerFactory;

import java.util.Map;

/** The fine-tuner contract with a 4-token prompt initialised from text. */
class PromptTuningTextInitContractTest implements FineTunerContract {
    @Override
    public FineTunerFactory factory() { return new PromptTuningFineTunerFactory(); }

    @Override
    public Map<String, Object> config() {
        return Map.of("num_virtual_tokens", 4, "prompt_tuning_init", "text", "prompt_tuning_init_text", "Classify:", "task_type", "CAUSAL_LM");
    }
}
