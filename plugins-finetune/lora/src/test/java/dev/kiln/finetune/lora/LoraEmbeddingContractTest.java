package dev.kiln.finetune.lora;

import dev.kiln.api.finetune.FineTunerContract;
import dev.kiln.api.finetune.FineTunerFactory;

import java.util.List;
import java.util.Map;

/** The contract with adapters on the token embeddings and every Linear (the SST-2 sample's targets), on the default GPT-2 shape. */
class LoraEmbeddingContractTest implements FineTunerContract {
    @Override
    public FineTunerFactory factory() { return new LoraFineTunerFactory(); }

    @Override
    public Map<String, Object> config() {
        return Map.of("r", 2, "alpha", 4, "target_modules", List.of("all-linear", "embed.tokens"));
    }
}
