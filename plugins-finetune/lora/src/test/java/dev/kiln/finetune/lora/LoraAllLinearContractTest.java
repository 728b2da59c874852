package dev.kiln.finetune.lora;

import dev.kiln.api.finetune.FineTunerContract;
import dev.kiln.api.finetune.FineTunerFactory;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.testing.TestTokenizers;

import java.util.List;
import java.util.Map;

/** The contract on a LLaMA shape (grouped-query qkv, SwiGLU gate, untied head), every Linear adapted with rsLoRA and dropout. */
class LoraAllLinearContractTest implements FineTunerContract {
    @Override
    public FineTunerFactory factory() { return new LoraFineTunerFactory(); }

    @Override
    public Map<String, Object> config() {
        return Map.of("r", 4, "alpha", 8, "dropout", 0.1, "use_rslora", true, "target_modules", List.of("all-linear"), "adapter_name", "task");
    }

    @Override
    public TransformerConfig model() { return TransformerConfig.llama(TestTokenizers.BYTE_VOCAB, 16, 2, 2, 1, 32, 16); }
}
