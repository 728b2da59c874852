package dev.kiln.finetune.grpo;

import dev.kiln.api.config.Config;
import dev.kiln.api.data.Batch;
import dev.kiln.api.data.Dataset;
import dev.kiln.api.data.Example;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.objective.BatchSpec;
import dev.kiln.api.objective.ObjectiveContext;
import dev.kiln.api.rl.OnlinePolicyObjective;
import dev.kiln.api.testing.PromptTask;
import dev.kiln.api.testing.TestTokenizers;
import dev.kiln.api.tokenizer.Tokenizer;
import dev.kiln.reward.format.FormatRewardFactory;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Prompt rows: text as it is, messages through the chat template with its generation prompt, cut from the left; bad rows name file:line and the field. */
class GrpoPromptsTest {
    static final Tokenizer BYTES = TestTokenizers.bytes();

    static OnlinePolicyObjective grpo(Map<String, Object> extra) {
        Map<String, Object> cfg = new java.util.LinkedHashMap<>(Map.of("rewards", List.of(Map.of("name", "format", "pattern", "x")), "max_completion_length", 4));
        cfg.putAll(extra);
        ObjectiveContext c = new ObjectiveContext(BYTES, PromptTask.BE, TransformerConfig.gpt2(TestTokenizers.BYTE_VOCAB, 16, 1, 2, 64), 1);
        return new GrpoFineTunerFactory().objective(new Config("finetune.signal", cfg), PromptTask.withRewards(c, Map.of("format", new FormatRewardFactory())));
    }

    static String prompt(OnlinePolicyObjective o, Object prompt) {
        Batch b = o.prepare(new Dataset("p", List.of(new Example(Map.of("prompt", prompt), "p.jsonl:1", null))), new BatchSpec(1, 8), 1).get(0);
        int n = b.ints("prompt_lengths").data()[0];
        return BYTES.decode(Arrays.copyOf(b.ints("prompt_ids").data(), n));
    }

    @Test
    void textIsUsedAsItIsAndMessagesGetTheChatTemplatesGenerationPrompt() {
        OnlinePolicyObjective o = grpo(Map.of());
        assertEquals("Count to three.\n", prompt(o, "Count to three.\n"));
        String chat = prompt(o, List.of(Map.of("role", "user", "content", "Count to three.")));
        assertTrue(chat.contains("Count to three.") && chat.endsWith("assistant\n"), chat);
        assertEquals("three.\n", prompt(grpo(Map.of("max_prompt_length", 7)), "Count to three.\n"), "the prompt's end is kept");
    }

    @Test
    void aRowWithoutItsPromptNamesTheFileLineAndField() {
        OnlinePolicyObjective o = grpo(Map.of());
        var e = assertThrows(IllegalArgumentException.class, () -> o.prepare(new Dataset("p",
                List.of(new Example(Map.of("question", "hi"), "prompts.jsonl:7", null))), new BatchSpec(1, 8), 1));
        assertTrue(e.getMessage().contains("prompts.jsonl:7") && e.getMessage().contains("'prompt'"), e.getMessage());
    }
}
