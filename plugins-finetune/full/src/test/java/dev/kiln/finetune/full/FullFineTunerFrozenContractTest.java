package dev.kiln.finetune.full;

import dev.kiln.api.finetune.FineTunerContract;
import dev.kiln.api.finetune.FineTunerFactory;

import java.util.Map;

/** The contract with frozen embeddings (and so the tied LM head), a frozen first block, layer decay and L2-SP. */
class FullFineTunerFrozenContractTest implements FineTunerContract {
    @Override
    public FineTunerFactory factory() { return new FullFineTunerFactory(); }

    @Override
    public Map<String, Object> config() {
        return Map.of("freeze_embeddings", true, "freeze_layers", 1, "layer_lr_decay", 0.5, "l2sp", 0.1);
    }
}
