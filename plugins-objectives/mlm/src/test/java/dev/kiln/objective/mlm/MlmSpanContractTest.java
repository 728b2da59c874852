package dev.kiln.objective.mlm;

import dev.kiln.api.data.Dataset;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.objective.ObjectiveContract;
import dev.kiln.api.objective.ObjectiveFactory;
import dev.kiln.api.testing.TestDatasets;
import dev.kiln.api.testing.TestTokenizers;

import java.util.Map;

/** The objective contract again with whole-word span masking over packed rows. */
class MlmSpanContractTest implements ObjectiveContract {
    @Override
    public ObjectiveFactory factory() { return new MlmObjectiveFactory(); }

    @Override
    public Map<String, Object> config() { return Map.of("whole_word", true, "span", true, "pack", true); }

    @Override
    public Dataset sampleData() { return TestDatasets.texts("sample", 6); }

    @Override
    public TransformerConfig model() { return TransformerConfig.bert(TestTokenizers.BYTE_VOCAB, 16, 1, 2, 16); }
}
