package dev.kiln.finetune.sft;

import dev.kiln.api.data.Dataset;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.objective.ObjectiveContract;
import dev.kiln.api.objective.ObjectiveFactory;
import dev.kiln.api.testing.TestDatasets;
import dev.kiln.api.testing.TestTokenizers;

import java.util.Map;

/** The objective contract for task: regression (MSE on numeric labels), mean pooling. */
class SftRegressionContractTest implements ObjectiveContract {
    @Override public ObjectiveFactory factory() { return new SftObjectiveFactory(); }

    @Override public Dataset sampleData() { return TestDatasets.labelled("sample", 12); }

    @Override public TransformerConfig model() { return TransformerConfig.bert(TestTokenizers.BYTE_VOCAB, 16, 1, 2, 16); }

    @Override public Map<String, Object> config() { return Map.of("task", "regression"); }
}
