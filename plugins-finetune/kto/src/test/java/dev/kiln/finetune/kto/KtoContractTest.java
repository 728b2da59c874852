package dev.kiln.finetune.kto;

import dev.kiln.api.data.Dataset;
import dev.kiln.api.data.Example;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.objective.ObjectiveContract;
import dev.kiln.api.objective.ObjectiveFactory;
import dev.kiln.api.objective.ReferencePolicy;
import dev.kiln.api.objective.SignalObjectiveFactory;
import dev.kiln.api.testing.TestTokenizers;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The objective contract for the kto signal on a causal GPT-2 shape, its reference a frozen copy of the contract's model. */
class KtoContractTest implements ObjectiveContract {
    @Override public ObjectiveFactory factory() {
        return new SignalObjectiveFactory(new KtoFineTunerFactory(),
                ctx -> ReferencePolicy.frozen(new Transformer(ctx.backend(), ctx.model(), 11), "the contract model"));
    }

    @Override public Dataset sampleData() {
        List<Example> rows = new ArrayList<>();
        for (int i = 0; i < 12; i++)
            rows.add(new Example(Map.of("prompt", "q" + (char) ('a' + i), "completion", "y" + i % 3, "label", i % 2 == 0), "sample:" + (i + 1), null));
        return new Dataset("sample", rows);
    }

    @Override public TransformerConfig model() { return TransformerConfig.gpt2(TestTokenizers.BYTE_VOCAB, 16, 1, 2, 16); }

    @Override public Map<String, Object> config() { return Map.of("beta", 0.2, "desirable_weight", 1.33); }
}
