package dev.kiln.finetune.ia3;

import dev.kiln.api.finetune.FineTunerContract;
import dev.kiln.api.finetune.FineTunerFactory;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.testing.TestTokenizers;

import java.util.List;
import java.util.Map;

/** The contract on a LLaMA shape (grouped-query qkv, SwiGLU gate, untied head), every Linear adapted, random scales. */
class Ia3AllLinearContractTest implements FineTunerContract {
    @Override
    public FineTunerFactory factory() { return new Ia3FineTunerFactory(); }

    @Override
    public Map<String, Object> config() {
        return Map.of("target_modules", List.of("all-linear"), "feedforward_modules", List.of("mlp.down"), "init_ia3_weights", false,
                "adapter_name", "task");
    }

    @Override
    public TransformerConfig model() { return TransformerConfig.llama(TestTokenizers.BYTE_VOCAB, 16, 2, 4, 2, 32, 16); }
}
