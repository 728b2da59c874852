package dev.kiln.objective.clm;

import dev.kiln.api.data.Dataset;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.objective.ObjectiveContract;
import dev.kiln.api.objective.ObjectiveFactory;
import dev.kiln.api.testing.TestDatasets;
import dev.kiln.api.testing.TestTokenizers;

import java.util.Map;

class ClmObjectiveContractTest implements ObjectiveContract {
    @Override
    public ObjectiveFactory factory() { return new ClmObjectiveFactory(); }

    @Override
    public Map<String, Object> config() { return Map.of("shuffle", true, "label_smoothing", 0.0); }

    @Override
    public Dataset sampleData() { return TestDatasets.texts("sample", 6); }

    @Override
    public TransformerConfig model() { return TransformerConfig.gpt2(TestTokenizers.BYTE_VOCAB, 16, 1, 2, 16); }
}
