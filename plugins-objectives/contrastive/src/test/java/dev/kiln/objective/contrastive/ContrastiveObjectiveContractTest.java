package dev.kiln.objective.contrastive;

import dev.kiln.api.data.Dataset;
import dev.kiln.api.data.Example;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.objective.ObjectiveContract;
import dev.kiln.api.objective.ObjectiveFactory;
import dev.kiln.api.testing.TestTokenizers;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** InfoNCE with hard negatives over anchor / positive / negative JSONL-style examples. */
class ContrastiveObjectiveContractTest implements ObjectiveContract {
    @Override
    public ObjectiveFactory factory() { return new ContrastiveObjectiveFactory(); }

    @Override
    public Map<String, Object> config() { return Map.of("loss", "infonce", "pooler", "mean", "temperature", 0.1); }

    @Override
    public Dataset sampleData() {
        List<Example> ex = new ArrayList<>();
        for (int i = 0; i < 6; i++)
            ex.add(new Example(Map.of("anchor", "cup " + i + " is red", "positive", "the red cup " + i, "negative", "a blue lamp " + i), "s:" + i, null));
        return new Dataset("sample", ex);
    }

    @Override
    public TransformerConfig model() { return TransformerConfig.bert(TestTokenizers.BYTE_VOCAB, 16, 1, 2, 16); }
}
