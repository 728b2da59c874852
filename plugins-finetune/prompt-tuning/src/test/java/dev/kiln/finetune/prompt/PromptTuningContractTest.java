package dev.kiln.finetune.prompt;

import dev.kiln.api.finetune.FineTunerContract;
import dev.kiln.api.finetune.FineTunerFactory;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.testing.TestTokenizers;

/** The fine-tuner contract with the defaults (20 virtual tokens, sample_vocab init) on a model with room for them. */
class PromptTuningContractTest implements FineTunerContract {
    @Override
    public FineTunerFactory factory() { return new PromptTuningFineTunerFactory(); }

    @Override
    public TransformerConfig model() { return TransformerConfig.gpt2(TestTokenizers.BYTE_VOCAB, 16, 2, 2, 32); }
}
