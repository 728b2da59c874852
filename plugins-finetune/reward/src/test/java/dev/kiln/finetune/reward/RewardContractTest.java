package dev.kiln.finetune.reward;

import dev.kiln.api.data.Dataset;
import dev.kiln.api.data.Example;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.objective.ObjectiveContract;
import dev.kiln.api.objective.ObjectiveFactory;
import dev.kiln.api.objective.SignalObjectiveFactory;
import dev.kiln.api.testing.TestTokenizers;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The objective contract for the reward signal on a causal GPT-2 shape: the score head gets gradients and round-trips by name. */
class RewardContractTest implements ObjectiveContract {
    @Override public ObjectiveFactory factory() { return new SignalObjectiveFactory(new RewardFineTunerFactory(), null); }

    @Override public Dataset sampleData() {
        List<Example> rows = new ArrayList<>();
        for (int i = 0; i < 12; i++)
            rows.add(new Example(Map.of("prompt", "q" + (char) ('a' + i), "chosen", "y" + i % 3, "rejected", "n", "margin", 0.5 * (i % 2)),
                    "sample:" + (i + 1), null));
        return new Dataset("sample", rows);
    }

    @Override public TransformerConfig model() { return TransformerConfig.gpt2(TestTokenizers.BYTE_VOCAB, 16, 1, 2, 16); }

    @Override public Map<String, Object> config() { return Map.of("center_rewards_coefficient", 0.01); }
}
