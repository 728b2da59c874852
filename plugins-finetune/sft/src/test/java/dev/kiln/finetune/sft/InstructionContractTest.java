package dev.kiln.finetune.sft;

import dev.kiln.api.data.Dataset;
import dev.kiln.api.data.Example;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.objective.ObjectiveContract;
import dev.kiln.api.objective.ObjectiveFactory;
import dev.kiln.api.testing.TestDatasets;
import dev.kiln.api.testing.TestTokenizers;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The objective contract for task: instruction on prompt / completion rows, a causal GPT-2 shape, right padding. */
class InstructionContractTest implements ObjectiveContract {
    @Override public ObjectiveFactory factory() { return new SftObjectiveFactory(); }

    /** Prompt: the first sentence of a story; completion: the second. */
    static Dataset promptCompletion(String name, int n) {
        List<Example> out = new ArrayList<>();
        for (Example e : TestDatasets.texts(name, n).examples()) {
            String text = e.text();
            int cut = text.indexOf(". ", text.indexOf(". ") + 2) + 1;
            out.add(InstructionFixtures.pair(e.source(), text.substring(0, cut), text.substring(cut)));
        }
        return new Dataset(name, out);
    }

    @Override public Dataset sampleData() { return promptCompletion("sample", 12); }

    @Override public TransformerConfig model() { return TransformerConfig.gpt2(TestTokenizers.BYTE_VOCAB, 16, 1, 2, 16); }

    @Override public Map<String, Object> config() { return Map.of("task", "instruction"); }
}
