package dev.kiln.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static dev.kiln.cli.ModelDirectories.*;
import static org.junit.jupiter.api.Assertions.*;

/** kiln tokenize --chat, kiln generate --chat and kiln chat (in-process, standard input from a string). */
class ChatCliTest {
    static final String MESSAGES = """
            [{"role": "system", "content": "Be brief."},
             {"role": "user", "content": " Hi there "},
             {"role": "assistant", "content": "Hello."},
             {"role": "user", "content": "Bye"}]
            """;

    @TempDir
    Path tmp;

    @Test
    void tokenizeRendersTheModelsTemplateExactly() throws IOException {
        Path model = chatModel(tmp.resolve("m"));
        Path messages = Files.writeString(tmp.resolve("messages.json"), MESSAGES);
        Cli r = kiln("tokenize", "--tokenizer", model.toString(), "--chat", messages.toString());
        assertEquals(0, r.code(), r.err());
        String text = "<|endoftext|>[CLS]system: Be brief.[SEP][CLS]user: Hi there[SEP][CLS]assistant: Hello.[SEP][CLS]user: Bye[SEP]";
        assertEquals(text + "\n", r.out());
        Cli gen = kiln("tokenize", "--tokenizer", model.toString(), "--chat", messages.toString(), "--add-generation-prompt");
        assertEquals(text + "[CLS]assistant: \n", gen.out());
    }

    @Test
    void tokenizeIdsMapSpecialTokensToTheirIds() throws IOException {
        Path model = chatModel(tmp.resolve("m"));
        Path messages = Files.writeString(tmp.resolve("messages.json"), "[{\"role\": \"user\", \"content\": \"Hi\"}]");
        Cli r = kiln("tokenize", "--tokenizer", model.toString(), "--chat", messages.toString(), "--ids");
        assertEquals(0, r.code(), r.err());
        int[] ids = Arrays.stream(r.out().strip().split(" ")).mapToInt(Integer::parseInt).toArray();
        // <|endoftext|> [CLS] u s e r : ␠ H i [SEP]: the byte tokenizer's specials are 256 and 259, 260
        int[] expected = {256, 259, 'u', 's', 'e', 'r', ':', ' ', 'H', 'i', 260};
        assertArrayEquals(expected, ids, r.out());
        assertEquals(1, r.out().lines().count());
    }

    @Test
    void withoutATemplateTokenizeUsesChatmlAndSaysSo() throws IOException {
        Path model = hfGpt2(tmp.resolve("plain"));
        Path messages = Files.writeString(tmp.resolve("messages.json"), "[{\"role\": \"user\", \"content\": \"Hi\"}]");
        Cli r = kiln("tokenize", "--tokenizer", model.toString(), "--chat", messages.toString(), "--add-generation-prompt");
        assertEquals(0, r.code(), r.err());
        assertEquals("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n", r.out());
        assertTrue(r.err().contains("has no chat template; using Kiln's built-in ChatML template"), r.err());
    }

    @Test
    void badConversationsAndFlagsAreNamed() throws IOException {
        Path model = chatModel(tmp.resolve("m"));
        Path bad = Files.writeString(tmp.resolve("bad.json"), "[{\"role\": \"user\", \"content\": \"a\"}, {\"content\": \"b\"}]");
        Cli r = kiln("tokenize", "--tokenizer", model.toString(), "--chat", bad.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains(bad + ": message [1] has no string \"role\""), r.err());
        Cli ids = kiln("tokenize", "--tokenizer", model.toString(), "--text", "x", "--ids");
        assertEquals(1, ids.code());
        assertTrue(ids.err().contains("--ids only applies with --chat"), ids.err());
    }

    @Test
    void generateChatAnswersOneMessageAndChatKeepsHistoryUntilReset() throws IOException {
        Path model = chatModel(tmp.resolve("m"));
        String[] sampling = {"--greedy", "--max-new-tokens", "6"};
        Cli one = kiln(concat(new String[] {"generate", "--model", model.toString(), "--chat", "--prompt", "Hello"}, sampling));
        assertEquals(0, one.code(), one.err());
        assertTrue(one.err().contains("(26 prompt + "), "the prompt is the rendered template: " + one.err());
        String answer = one.out().substring(0, one.out().length() - 1);         // generate adds one line break
        assertFalse(answer.isEmpty());

        Cli chat = kilnWithInput("Hello\nAgain\n/reset\nHello\n", concat(new String[] {"chat", "--model", model.toString()}, sampling));
        assertEquals(0, chat.code(), chat.err());
        String[] turns = chat.out().split("> ", -1);                           // "", answer 1, answer 2, "(history cleared)", answer 3, ""
        assertEquals(6, turns.length, chat.out());
        assertEquals(answer + "\n", turns[1], "the first turn is generate --chat's answer");
        assertEquals("(history cleared)\n", turns[3]);
        assertEquals(turns[1], turns[4], "after /reset the same question gets the same greedy answer");
        assertTrue(chat.err().contains("chat template: " + model.resolve("tokenizer_config.json") + ": chat_template"), chat.err());
    }

    private static String[] concat(String[] a, String[] b) {
        String[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
