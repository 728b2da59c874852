package dev.kiln.finetune.ppo;

import dev.kiln.api.data.Dataset;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.objective.ObjectiveContract;
import dev.kiln.api.objective.ObjectiveFactory;
import dev.kiln.api.testing.PromptTask;
import dev.kiln.api.testing.TestTokenizers;
import dev.kiln.reward.format.FormatRewardFactory;

import java.util.List;
import java.util.Map;

/** The objective contract for the ppo signal on a causal GPT-2 shape, scored by the format reward plugin, against a frozen copy of the contract model. */
class PpoContractTest implements ObjectiveContract {
    @Override public ObjectiveFactory factory() { return PromptTask.contractFactory(new PpoFineTunerFactory(), Map.of("format", new FormatRewardFactory())); }

    @Override public Dataset sampleData() { return PromptTask.contractPrompts(); }

    @Override public TransformerConfig model() { return TransformerConfig.gpt2(TestTokenizers.BYTE_VOCAB, 16, 1, 2, 16); }

    @Override public Map<String, Object> config() {
        return Map.of("rewards", List.of(Map.of("name", "format", "pattern", "[a-z]")), "response_length", 4, "num_ppo_epochs", 2,
                "max_prompt_length", 6);
    }
}
