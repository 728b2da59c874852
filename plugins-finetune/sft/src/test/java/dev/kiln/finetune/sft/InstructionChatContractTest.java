package dev.kiln.finetune.sft;

import dev.kiln.api.data.Dataset;
import dev.kiln.api.data.Example;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.objective.BatchSpec;
import dev.kiln.api.objective.ObjectiveContract;
import dev.kiln.api.objective.ObjectiveFactory;
import dev.kiln.api.testing.TestTokenizers;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The objective contract for task: instruction on ChatML conversations, packed, on a rotary LLaMA shape. */
class InstructionChatContractTest implements ObjectiveContract {
    @Override public ObjectiveFactory factory() { return new SftObjectiveFactory(); }

    @Override public Dataset sampleData() {
        List<Example> out = new ArrayList<>();
        for (Example e : InstructionContractTest.promptCompletion("chat", 12).examples())
            out.add(InstructionFixtures.chat(e.source(), "system", "Continue.", "user", e.string("prompt"), "assistant", e.string("completion")));
        return new Dataset("chat", out);
    }

    @Override public TransformerConfig model() { return TransformerConfig.llama(TestTokenizers.BYTE_VOCAB, 16, 1, 2, 1, 32, 256); }

    @Override public BatchSpec batchSpec() { return new BatchSpec(2, 256); }

    @Override public Map<String, Object> config() { return Map.of("task", "instruction", "packing", true, "chat_template", "chatml"); }
}
