package dev.kiln.objective.mlm;

import dev.kiln.api.data.Dataset;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.objective.ObjectiveContract;
import dev.kiln.api.objective.ObjectiveFactory;
import dev.kiln.api.testing.TestDatasets;
import dev.kiln.api.testing.TestTokenizers;

import java.util.Map;

class MlmObjectiveContractTest implements ObjectiveContract {
    @Override
    public ObjectiveFactory factory() { return new MlmObjectiveFactory(); }

    @Override
    public Map<String, Object> config() { return Map.of("mask_prob", 0.15, "whole_word", false); }

    @Override
    public Dataset sampleData() { return TestDatasets.texts("sample", 6); }

    @Override
    public TransformerConfig model() { return TransformerConfig.bert(TestTokenizers.BYTE_VOCAB, 16, 1, 2, 16); }
}
