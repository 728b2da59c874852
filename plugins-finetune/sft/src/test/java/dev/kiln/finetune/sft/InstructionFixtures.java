package dev.kiln.finetune.sft;

import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.config.Config;
import dev.kiln.api.data.Example;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.objective.ObjectiveContext;
import dev.kiln.api.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Builders shared by the instruction tests: the objective from a config map, and JSONL-like rows. */
final class InstructionFixtures {
    private InstructionFixtures() {}

    static InstructionObjective instruction(Map<String, Object> cfg, TransformerConfig model, Tokenizer tok) {
        Map<String, Object> all = new LinkedHashMap<>(cfg);
        all.put("task", "instruction");
        return (InstructionObjective) new SftFineTunerFactory().objective(new Config("finetune signal 'sft'", all),
                new ObjectiveContext(tok, new NaiveBackend(), model, 1));
    }

    static Example pair(String source, Object prompt, Object completion) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("prompt", prompt);
        f.put("completion", completion);
        return new Example(f, source, null);
    }

    /** A messages row from role, content, role, content, ... */
    static Example chat(String source, String... roleContent) {
        return new Example(Map.of("messages", messages(roleContent)), source, null);
    }

    static List<Map<String, Object>> messages(String... roleContent) {
        List<Map<String, Object>> m = new ArrayList<>();
        for (int i = 0; i < roleContent.length; i += 2) m.add(Map.of("role", roleContent[i], "content", roleContent[i + 1]));
        return m;
    }
}
