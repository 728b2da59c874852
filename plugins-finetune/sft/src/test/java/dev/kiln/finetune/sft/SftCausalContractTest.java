package dev.kiln.finetune.sft;

import dev.kiln.api.data.Dataset;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.objective.ObjectiveContract;
import dev.kiln.api.objective.ObjectiveFactory;
import dev.kiln.api.testing.TestDatasets;
import dev.kiln.api.testing.TestTokenizers;

import java.util.Map;

/** The objective contract on a causal GPT-2 shape with last-token pooling and named labels. */
class SftCausalContractTest implements ObjectiveContract {
    @Override public ObjectiveFactory factory() { return new SftObjectiveFactory(); }

    @Override public Dataset sampleData() { return TestDatasets.labelled("sample", 12); }

    @Override public TransformerConfig model() { return TransformerConfig.gpt2(TestTokenizers.BYTE_VOCAB, 16, 1, 2, 16); }

    @Override public Map<String, Object> config() { return Map.of("pooler", "last", "labels", java.util.List.of("0", "1")); }
}
