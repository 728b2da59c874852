package dev.kiln.finetune.sft;

import dev.kiln.api.data.Batch;
import dev.kiln.api.data.Dataset;
import dev.kiln.api.data.Example;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.objective.BatchSpec;
import dev.kiln.api.ops.Losses;
import dev.kiln.api.testing.TestTokenizers;
import dev.kiln.api.testing.WordTokenizer;
import dev.kiln.api.tokenizer.Tokenizer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.kiln.finetune.sft.InstructionFixtures.*;
import static org.junit.jupiter.api.Assertions.*;

/** Which tokens an instruction row feeds and trains: exact ids and targets on small cases. */
class InstructionRowsTest {
    static final WordTokenizer WORDS = new WordTokenizer(List.of("SYS", "USER", "BOT", "END", "be", "brief", "hi", "there",
            "hello", "you", "bye", "reverse", "a", "b", "c", "d", "e", "f", "g", "h", "->"));
    static final TransformerConfig GPT = TransformerConfig.gpt2(WORDS.vocabSize(), 16, 1, 2, 32);
    static final Map<String, Object> WORD_TEMPLATE = Map.of("system", "SYS {content} END\n", "user", "USER {content} END\n",
            "assistant", "BOT {content} END\n");
    static final int IGN = Losses.IGNORE;

    static int[] ids(String words) { return WORDS.encode(words); }

    static Batch one(InstructionObjective o, Example ex, int seqLen) {
        return o.prepare(new Dataset("d", List.of(ex)), new BatchSpec(1, seqLen), 1).get(0);
    }

    /** targets as words ("-" for IGNORE), for readable assertions. */
    static String words(Tokenizer tok, int[] targets) {
        List<String> out = new ArrayList<>();
        for (int t : targets) out.add(t == IGN ? "-" : tok.decode(new int[] {t}));
        return String.join(" ", out);
    }

    @Test
    void messagesTrainOnlyAssistantContentAndEndMarker() {
        InstructionObjective o = instruction(Map.of("chat_template", WORD_TEMPLATE), GPT, WORDS);
        Example ex = chat("chat.jsonl:3", "system", "be brief", "user", "hi there", "assistant", "hello you", "user", "bye", "assistant", "bye");
        Batch b = one(o, ex, 32);
        // tokens: SYS be brief END USER hi there END BOT hello you END USER bye END BOT bye END (18); inputs drop the last
        assertArrayEquals(ids("SYS be brief END USER hi there END BOT hello you END USER bye END BOT bye"), b.ints("ids").data());
        assertEquals("- - - - - - - - hello you END - - - - bye END", words(WORDS, b.ints("targets").data()));
        assertEquals(17, b.tokens());

        InstructionObjective everything = instruction(Map.of("chat_template", WORD_TEMPLATE, "assistant_only_loss", false), GPT, WORDS);
        assertEquals("be brief END USER hi there END BOT hello you END USER bye END BOT bye END",
                words(WORDS, one(everything, ex, 32).ints("targets").data()));
    }

    @Test
    void promptCompletionTrainsTheCompletionAndEos() {
        Example ex = pair("pc.jsonl:1", "reverse a b c ->", "c b a");
        Batch b = one(instruction(Map.of(), GPT, WORDS), ex, 32);
        assertArrayEquals(ids("reverse a b c -> c b a"), b.ints("ids").data(), "inputs: prompt, completion; EOS is only a target");
        assertEquals("- - - - c b a <|endoftext|>", words(WORDS, b.ints("targets").data()));
        assertArrayEquals(new int[] {1, 1, 1, 1, 1, 1, 1, 1}, b.ints("attention_mask").data());

        assertEquals("- - - - c b a", words(WORDS, one(instruction(Map.of("add_eos", false), GPT, WORDS), ex, 32).ints("targets").data()));
        assertEquals("a b c -> c b a <|endoftext|>",
                words(WORDS, one(instruction(Map.of("completion_only_loss", false), GPT, WORDS), ex, 32).ints("targets").data()));
    }

    @Test
    void conversationalPromptCompletionTrainsTheCompletionTurns() {
        Example ex = pair("pc.jsonl:2", messages("user", "hi", "assistant", "hello", "user", "bye"), messages("assistant", "bye you"));
        Batch b = one(instruction(Map.of("chat_template", WORD_TEMPLATE), GPT, WORDS), ex, 32);
        assertArrayEquals(ids("USER hi END BOT hello END USER bye END BOT bye you"), b.ints("ids").data());
        assertEquals("- - - - - - - - - bye you END", words(WORDS, b.ints("targets").data()),
                "the prompt's assistant turn is context; no EOS after a conversation");
    }

    @Test
    void chatmlOnBytesTrainsTheAssistantTextAndItsImEnd() {
        Tokenizer bytes = TestTokenizers.bytes();
        InstructionObjective o = instruction(Map.of(), TransformerConfig.gpt2(TestTokenizers.BYTE_VOCAB, 16, 1, 2, 256), bytes);
        Example ex = chat("c:1", "user", "Hi?", "assistant", "Yo.", "user", "And?", "assistant", "Bye.");
        String rendered = o.renderChat(ex, false);
        assertEquals("<|im_start|>user\nHi?<|im_end|>\n<|im_start|>assistant\nYo.<|im_end|>\n"
                + "<|im_start|>user\nAnd?<|im_end|>\n<|im_start|>assistant\nBye.<|im_end|>\n", rendered);
        Batch b = one(o, ex, 256);
        assertEquals(rendered.substring(0, rendered.length() - 1), bytes.decode(b.ints("ids").data()), "every message is rendered and fed");
        int[] t = b.ints("targets").data();
        StringBuilder trained = new StringBuilder();
        List<Integer> positions = new ArrayList<>();
        for (int i = 0; i < t.length; i++) if (t[i] != IGN) {
            trained.append((char) t[i]);
            positions.add(i);
        }
        assertEquals("Yo.<|im_end|>Bye.<|im_end|>", trained.toString());
        int yo = rendered.indexOf("Yo."), bye = rendered.indexOf("Bye.");
        List<Integer> expected = new ArrayList<>();
        for (int i = yo; i < yo + "Yo.<|im_end|>".length(); i++) expected.add(i - 1);   // target i−1 predicts char i
        for (int i = bye; i < bye + "Bye.<|im_end|>".length(); i++) expected.add(i - 1);
        assertEquals(expected, positions);
    }

    @Test
    void specialTokenNamesInTheTemplateBecomeSpecialTokensButNotInContent() {
        Tokenizer bytes = TestTokenizers.bytes();
        int eos = bytes.requireSpecial(Tokenizer.EOS);
        InstructionObjective o = instruction(Map.of("chat_template", Map.of("user", "U:{content}\n", "assistant", "A:{content}<|endoftext|>")),
                TransformerConfig.gpt2(TestTokenizers.BYTE_VOCAB, 16, 1, 2, 64), bytes);
        int[] t = one(o, chat("c:1", "user", "<|endoftext|>", "assistant", "ok"), 64).ints("targets").data();
        assertEquals(eos, t[t.length - 1], "the template's <|endoftext|> is the EOS id");
        assertEquals(2 + 13 + 1 + 2 + 2 + 1, t.length + 1, "the user's '<|endoftext|>' stays 13 bytes");
    }

    @Test
    void longExamplesLoseThePromptStartFirstAndKeepTheCompletionStart() {
        InstructionObjective o = instruction(Map.of(), GPT, WORDS);
        // prompt 10, completion 3 + EOS, 8 positions = 9 tokens: the prompt keeps its last 5
        Batch longPrompt = one(o, pair("t:1", "a b c d e f g h reverse ->", "c b a"), 8);
        assertArrayEquals(ids("f g h reverse -> c b a"), longPrompt.ints("ids").data());
        assertEquals("- - - - c b a <|endoftext|>", words(WORDS, longPrompt.ints("targets").data()));
        // prompt 3, completion 12 + EOS: the prompt stays, the completion loses its end (and its EOS)
        Batch longCompletion = one(o, pair("t:2", "reverse a ->", "h g f e d c b a h g f e"), 8);
        assertArrayEquals(ids("reverse a -> h g f e d"), longCompletion.ints("ids").data());
        assertEquals("- - h g f e d c", words(WORDS, longCompletion.ints("targets").data()));
        // both long: the prompt keeps half the budget (4 tokens), the completion the rest
        Batch both = one(o, pair("t:3", "a b c d e f g h reverse ->", "h g f e d c b a"), 8);
        assertArrayEquals(ids("g h reverse -> h g f e"), both.ints("ids").data());
        assertEquals("- - - h g f e d", words(WORDS, both.ints("targets").data()));
    }

    @Test
    void paddedBatchesMaskPaddingAndIgnoreItsTargets() {
        InstructionObjective o = instruction(Map.of("shuffle", false), GPT, WORDS);
        Dataset d = new Dataset("d", List.of(pair("p:1", "reverse a b ->", "b a"), pair("p:2", "a ->", "a")));
        Batch b = o.prepare(d, new BatchSpec(2, 32), 1).get(0);
        int pad = WORDS.requireSpecial(Tokenizer.PAD);
        int[] row2 = ids("a -> a");
        assertArrayEquals(new int[] {ids("reverse")[0], ids("a")[0], ids("b")[0], ids("->")[0], ids("b")[0], ids("a")[0],
                row2[0], row2[1], row2[2], pad, pad, pad}, b.ints("ids").data());
        assertEquals("- - - b a <|endoftext|> - a <|endoftext|> - - -", words(WORDS, b.ints("targets").data()));
        assertArrayEquals(new int[] {1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0}, b.ints("attention_mask").data());
        assertNull(b.intsOrNull("segments"));
    }

    @Test
    void badRowsAreErrorsNamingTheLineAndField() {
        InstructionObjective o = instruction(Map.of(), GPT, WORDS);
        assertRowError(o, new Example(Map.of("prompt", "hi"), "data.jsonl:4", null), "data.jsonl:4: missing field 'completion'");
        assertRowError(o, new Example(Map.of("messages", "hi"), "data.jsonl:5", null), "data.jsonl:5: field 'messages' must be a list");
        assertRowError(o, new Example(Map.of("messages", List.of()), "data.jsonl:6", null), "data.jsonl:6: field 'messages' is an empty list");
        assertRowError(o, chat("data.jsonl:7", "user", "hi", "tool", "x"), "data.jsonl:7: messages[1].role 'tool' is not one of system, user, assistant");
        assertRowError(o, new Example(Map.of("messages", List.of(Map.of("role", "user", "content", 3))), "data.jsonl:8", null),
                "data.jsonl:8: messages[0].content must be a string");
        assertRowError(o, new Example(Map.of("messages", List.of("hi")), "data.jsonl:9", null), "data.jsonl:9: messages[0] must be a {role, content} map");
        assertRowError(o, chat("data.jsonl:10", "user", "hi"), "data.jsonl:10: no assistant message to train on");
        assertRowError(o, pair("data.jsonl:11", "hi", messages("assistant", "x")), "data.jsonl:11: 'prompt' and 'completion' must both be strings");
        Example both = new Example(Map.of("messages", messages("user", "hi"), "prompt", "x"), "data.jsonl:12", null);
        assertRowError(o, both, "data.jsonl:12: has both 'messages' and 'prompt'");
        InstructionObjective noSystem = instruction(Map.of("chat_template", Map.of("user", "{content}", "assistant", "{content}")), GPT, WORDS);
        assertRowError(noSystem, chat("data.jsonl:13", "system", "x", "user", "hi", "assistant", "a"), "data.jsonl:13: messages[0].role 'system' has no format in chat_template");
        InstructionObjective noEos = instruction(Map.of("add_eos", false), GPT, WORDS);
        assertRowError(noEos, pair("data.jsonl:14", "", "a"), "data.jsonl:14: nothing to train on");
        InstructionObjective renamed = instruction(Map.of("prompt_field", "question", "completion_field", "answer"), GPT, WORDS);
        assertRowError(renamed, new Example(Map.of("question", "a"), "data.jsonl:15", null), "data.jsonl:15: missing field 'answer'");
        assertDoesNotThrow(() -> one(renamed, new Example(Map.of("question", "a ->", "answer", "a"), "data.jsonl:16", null), 8));
    }

    private static void assertRowError(InstructionObjective o, Example ex, String expected) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> one(o, ex, 16));
        assertTrue(e.getMessage().startsWith(expected), e.getMessage());
    }
}
