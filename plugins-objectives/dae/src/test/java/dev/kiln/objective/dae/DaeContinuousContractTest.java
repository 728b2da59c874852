package dev.kiln.objective.dae;

import dev.kiln.api.data.Dataset;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.objective.ObjectiveContract;
import dev.kiln.api.objective.ObjectiveFactory;
import dev.kiln.api.testing.TestDatasets;
import dev.kiln.api.testing.TestTokenizers;

import java.util.Map;

class DaeContinuousContractTest implements ObjectiveContract {
    @Override
    public ObjectiveFactory factory() { return new DaeObjectiveFactory(); }

    @Override
    public Map<String, Object> config() {
        return Map.of("mode", "continuous", "source", "generated", "feature_dim", 4, "generated_length", 8, "dropout", 0.1);
    }

    @Override
    public Dataset sampleData() { return TestDatasets.texts("sample", 6); }

    @Override
    public TransformerConfig model() { return TransformerConfig.bert(TestTokenizers.BYTE_VOCAB, 16, 1, 2, 16); }
}
