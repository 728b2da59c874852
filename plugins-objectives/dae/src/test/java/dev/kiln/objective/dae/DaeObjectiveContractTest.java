package dev.kiln.objective.dae;

import dev.kiln.api.data.Dataset;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.objective.ObjectiveContract;
import dev.kiln.api.objective.ObjectiveFactory;
import dev.kiln.api.testing.TestDatasets;
import dev.kiln.api.testing.TestTokenizers;

import java.util.Map;

class DaeObjectiveContractTest implements ObjectiveContract {
    @Override
    public ObjectiveFactory factory() { return new DaeObjectiveFactory(); }

    @Override
    public Map<String, Object> config() { return Map.of("infill_rate", 0.3, "permute_rate", 1.0, "mask_rate", 0.1, "rotate_rate", 0.2); }

    @Override
    public Dataset sampleData() { return TestDatasets.texts("sample", 6); }

    @Override
    public TransformerConfig model() { return TransformerConfig.bert(TestTokenizers.BYTE_VOCAB, 16, 1, 2, 16); }
}
