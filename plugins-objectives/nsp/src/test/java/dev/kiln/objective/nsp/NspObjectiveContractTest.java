package dev.kiln.objective.nsp;

import dev.kiln.api.data.Dataset;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.objective.ObjectiveContract;
import dev.kiln.api.objective.ObjectiveFactory;
import dev.kiln.api.testing.TestDatasets;
import dev.kiln.api.testing.TestTokenizers;

import java.util.Map;

class NspObjectiveContractTest implements ObjectiveContract {
    @Override
    public ObjectiveFactory factory() { return new NspObjectiveFactory(); }

    @Override
    public Map<String, Object> config() { return Map.of("next_prob", 0.5); }

    @Override
    public Dataset sampleData() { return TestDatasets.texts("sample", 6); }

    @Override
    public TransformerConfig model() { return TransformerConfig.bert(TestTokenizers.BYTE_VOCAB, 16, 1, 2, 16); }
}
