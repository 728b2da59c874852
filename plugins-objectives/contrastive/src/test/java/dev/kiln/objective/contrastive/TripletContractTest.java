package dev.kiln.objective.contrastive;

import dev.kiln.api.data.Dataset;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.objective.ObjectiveContract;
import dev.kiln.api.objective.ObjectiveFactory;
import dev.kiln.api.testing.TestTokenizers;

import java.util.Map;

/** Triplet margin loss with cosine distance (margin 2 keeps every triplet active, so gradients flow). */
class TripletContractTest implements ObjectiveContract {
    @Override
    public ObjectiveFactory factory() { return new ContrastiveObjectiveFactory(); }

    @Override
    public Map<String, Object> config() { return Map.of("loss", "triplet", "distance", "cosine", "margin", 2.0); }

    @Override
    public Dataset sampleData() { return new ContrastiveObjectiveContractTest().sampleData(); }

    @Override
    public TransformerConfig model() { return TransformerConfig.bert(TestTokenizers.BYTE_VOCAB, 16, 1, 2, 16); }
}
