package dev.kiln.finetune.prefix;

import dev.kiln.api.finetune.FineTunerContract;
import dev.kiln.api.finetune.FineTunerFactory;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.testing.TestTokenizers;

import java.util.Map;

/** The fine-tuner contract with a 4-row random prefix on a grouped-query (LLaMA-shaped) model. */
class PrefixTuningRandomInitContractTest implements FineTunerContract {
    @Override
    public FineTunerFactory factory() { return new PrefixTuningFineTunerFactory(); }

    @Override
    public Map<String, Object> config() { return Map.of("num_virtual_tokens", 4, "init", "random", "task_type", "CAUSAL_LM"); }

    @Override
    public TransformerConfig model() { return TransformerConfig.llama(TestTokenizers.BYTE_VOCAB, 16, 2, 2, 1, 32, 16); }
}
