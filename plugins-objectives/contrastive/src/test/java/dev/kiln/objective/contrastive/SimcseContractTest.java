package dev.kiln.objective.contrastive;

import dev.kiln.api.data.Dataset;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.objective.ObjectiveContract;
import dev.kiln.api.objective.ObjectiveFactory;
import dev.kiln.api.testing.TestDatasets;
import dev.kiln.api.testing.TestTokenizers;

import java.util.Map;

/** Unsupervised SimCSE over plain text (BERT's dropout 0.1 makes the two views differ). */
class SimcseContractTest implements ObjectiveContract {
    @Override
    public ObjectiveFactory factory() { return new ContrastiveObjectiveFactory(); }

    @Override
    public Map<String, Object> config() { return Map.of("loss", "simcse", "pooler", "first", "min_chars", 4); }

    @Override
    public Dataset sampleData() { return TestDatasets.texts("sample", 6); }

    @Override
    public TransformerConfig model() { return TransformerConfig.bert(TestTokenizers.BYTE_VOCAB, 16, 1, 2, 16); }
}
