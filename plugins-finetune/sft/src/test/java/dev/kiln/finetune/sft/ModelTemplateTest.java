package dev.kiln.finetune.sft;

import dev.kiln.api.completion.PieceEncoder;
import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.chat.ChatTemplate;
import dev.kiln.api.config.Config;
import dev.kiln.api.data.Example;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.objective.ObjectiveContext;
import dev.kiln.api.tokenizer.Tokenizer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The sft signal with the model's own chat template (handed over in {@link ObjectiveContext#chatTemplate()}):
 * conversations are rendered by it, and exactly each assistant turn's content and end marker train.
 */
class ModelTemplateTest {
    static final Tokenizer BYTES = dev.kiln.api.testing.TestTokenizers.bytes();

    /** Llama-3-like: headers as plain text, "<|endoftext|>" ends every turn; optionally generation blocks around the assistant's text. */
    record HeaderTemplate(boolean generationBlocks) implements ChatTemplate {
        @Override
        public String origin() { return "test template"; }

        @Override
        public String render(List<? extends Map<String, ?>> messages, boolean addGenerationPrompt) {
            return build(messages, addGenerationPrompt, null);
        }

        @Override
        public List<int[]> generationSpans(List<? extends Map<String, ?>> messages, boolean addGenerationPrompt) {
            if (!generationBlocks) return null;
            List<int[]> spans = new ArrayList<>();
            build(messages, addGenerationPrompt, spans);
            return spans;
        }

        private static String build(List<? extends Map<String, ?>> messages, boolean gen, List<int[]> spans) {
            StringBuilder b = new StringBuilder();
            for (Map<String, ?> m : messages) {
                if (m.get("role").equals("tool_output")) throw new IllegalArgumentException("no tools here");
                b.append("## ").append(m.get("role")).append("\n");
                int start = b.length();
                b.append(m.get("content")).append(Tokenizer.EOS);
                if (spans != null && m.get("role").equals("assistant")) spans.add(new int[] {start, b.length()});
                b.append("\n");
            }
            if (gen) b.append("## assistant\n");
            return b.toString();
        }
    }

    static InstructionObjective objective(Map<String, Object> cfg, ChatTemplate template) {
        Map<String, Object> all = new LinkedHashMap<>(cfg);
        all.put("task", "instruction");
        TransformerConfig model = TransformerConfig.gpt2(BYTES.vocabSize(), 16, 1, 2, 64);
        return (InstructionObjective) new SftFineTunerFactory().objective(new Config("finetune signal 'sft'", all),
                new ObjectiveContext(BYTES, new NaiveBackend(), model, 1, template));
    }

    /** The trained stretches of an encoded example, as text. */
    static List<String> trained(PieceEncoder.Encoded e) {
        List<String> out = new ArrayList<>();
        int i = 0;
        while (i < e.length()) {
            if (!e.trained()[i]) {
                i++;
                continue;
            }
            int j = i;
            while (j < e.length() && e.trained()[j]) j++;
            out.add(BYTES.decode(java.util.Arrays.copyOfRange(e.ids(), i, j)));
            i = j;
        }
        return out;
    }

    static Example chat(String... roleContent) {
        return InstructionFixtures.chat("row 1", roleContent);
    }

    @Test
    void assistantTurnsTrainFromPrefixRenderings() {
        InstructionObjective o = objective(Map.of(), new HeaderTemplate(false));
        Example ex = chat("system", "Be brief.", "user", "Hi", "assistant", "Hello!", "user", "Bye", "assistant", "Bye.");
        PieceEncoder.Encoded e = o.encode(ex, 256);
        assertEquals(List.of("Hello!<|endoftext|>", "Bye.<|endoftext|>"), trained(e));
        assertEquals(256, e.ids()[e.length() - 2], "the end marker is the special token, not its letters (then the context '\\n')");
        assertFalse(e.trained()[e.length() - 1], "the line break after the end marker is context");
        assertEquals(new HeaderTemplate(false).render(InstructionFixtures.messages("system", "Be brief.", "user", "Hi", "assistant", "Hello!",
                "user", "Bye", "assistant", "Bye."), false), o.renderChat(ex, false));
        assertEquals("model", o.metadata().get("chat_template"));
    }

    @Test
    void generationBlocksMarkTheTrainedText() {
        InstructionObjective o = objective(Map.of(), new HeaderTemplate(true));
        PieceEncoder.Encoded e = o.encode(chat("user", "Hi", "assistant", "Hello!"), 256);
        assertEquals(List.of("Hello!<|endoftext|>"), trained(e));
    }

    @Test
    void chatmlStillWinsWhenAsked() {
        InstructionObjective o = objective(Map.of("chat_template", "chatml"), new HeaderTemplate(false));
        String text = o.renderChat(chat("user", "Hi", "assistant", "Yo"), false);
        assertTrue(text.startsWith("<|im_start|>user\nHi<|im_end|>"), text);
    }

    @Test
    void modelWithoutTemplateIsAnErrorWhenAskedFor() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> objective(Map.of("chat_template", "model"), null));
        assertTrue(e.getMessage().contains("chat_template") && e.getMessage().contains("has no chat template"), e.getMessage());
    }

    @Test
    void theTemplatesErrorsNameTheRow() {
        InstructionObjective o = objective(Map.of(), new HeaderTemplate(false));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> o.encode(chat("user", "Hi", "tool_output", "42", "assistant", "ok"), 256));
        assertEquals("row 1: no tools here", e.getMessage());
    }

    @Test
    void conversationalPromptCompletionTrainsOnlyTheCompletion() {
        InstructionObjective o = objective(Map.of(), new HeaderTemplate(false));
        Example ex = InstructionFixtures.pair("row 2", InstructionFixtures.messages("user", "Hi", "assistant", "Hey", "user", "More"),
                InstructionFixtures.messages("assistant", "Sure."));
        assertEquals(List.of("Sure.<|endoftext|>"), trained(o.encode(ex, 256)));
    }
}
