package dev.kiln.finetune.dpo;

import dev.kiln.api.data.Dataset;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.objective.ObjectiveContract;
import dev.kiln.api.objective.ObjectiveFactory;
import dev.kiln.api.testing.PromptTask;
import dev.kiln.api.testing.TestTokenizers;
import dev.kiln.reward.format.FormatRewardFactory;

import java.util.List;
import java.util.Map;

/** The objective contract for the online_dpo signal on a causal GPT-2 shape, scored by the format reward plugin. */
class OnlineDpoContractTest implements ObjectiveContract {
    @Override public ObjectiveFactory factory() { return PromptTask.contractFactory(new OnlineDpoFineTunerFactory(), Map.of("format", new FormatRewardFactory())); }

    @Override public Dataset sampleData() { return PromptTask.contractPrompts(); }

    @Override public TransformerConfig model() { return TransformerConfig.gpt2(TestTokenizers.BYTE_VOCAB, 16, 1, 2, 16); }

    @Override public Map<String, Object> config() {
        return Map.of("rewards", List.of(Map.of("name", "format", "pattern", "[a-z]")), "max_completion_length", 4, "max_prompt_length", 6);
    }
}
