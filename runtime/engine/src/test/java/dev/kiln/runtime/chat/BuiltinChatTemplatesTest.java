package dev.kiln.runtime.chat;

import dev.kiln.api.tokenizer.Tokenizer;
import dev.kiln.runtime.tokenizer.TokenizerSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Kiln's own templates as Jinja, the template a model directory gets, its end-of-turn ids and the encoding of rendered text. */
class BuiltinChatTemplatesTest {
    static final List<Map<String, ?>> CHAT = List.of(Map.of("role", "system", "content", "S"), Map.of("role", "user", "content", "U"),
            Map.of("role", "assistant", "content", "A"));

    @Test
    void chatmlIsTheSftSignalsChatml() {
        assertEquals("<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nU<|im_end|>\n<|im_start|>assistant\nA<|im_end|>\n<|im_start|>assistant\n",
                BuiltinChatTemplates.chatml(Map.of()).render(CHAT, true));
    }

    @Test
    void sftRoleFormatsRenderLiterallyWithQuotesBracesAndBackslashes() {
        Map<String, Object> formats = new LinkedHashMap<>();
        formats.put("user", "Q{{x}} 'it' \\ \"{content}\"\n");
        formats.put("assistant", "A: {content} END\n\n");
        formats.put("generation_prompt", "A: ");
        JinjaChatTemplate t = BuiltinChatTemplates.fromRoleFormats(formats, "config.json: objectives.sft.chat_template", Map.of());
        assertEquals("Q{x} 'it' \\ \"U\"\nA: A END\n\nA: ", t.render(CHAT.subList(1, 3), true));
        assertEquals("END", BuiltinChatTemplates.endMarker(formats));
        ChatTemplateException e = assertThrows(ChatTemplateException.class, () -> t.render(CHAT, false));
        assertEquals("no format for role system in config.json: objectives.sft.chat_template", e.raisedMessage());
    }

    @Test
    void aModelDirectoryGetsItsTemplateElseSftFormatsElseChatml(@TempDir Path dir) throws IOException {
        ModelChatTemplate none = ModelChatTemplate.forModel(dir);
        assertTrue(none.builtin());
        assertEquals(List.of("<|im_end|>"), none.endMarkers());
        Files.writeString(dir.resolve("config.json"), "{\"objectives\": {\"sft\": {\"chat_template\": {\"user\": \"U:{content}\\n\","
                + " \"assistant\": \"B:{content}<|endoftext|>\\n\", \"generation_prompt\": \"B:\"}}}}");
        ModelChatTemplate sft = ModelChatTemplate.forModel(dir);
        assertFalse(sft.builtin());
        assertEquals("U:U\nB:", sft.template().render(CHAT.subList(1, 2), true));
        Tokenizer bytes = TokenizerSpec.standard().create("byte");
        assertArrayEquals(new int[] {256}, EndOfTurn.ids(bytes, sft, null), "<|endoftext|> ends the turn, once");
        assertEquals(List.of(), EndOfTurn.stopStrings(bytes, sft));
        assertEquals(List.of("<|im_end|>"), EndOfTurn.stopStrings(bytes, none), "ChatML's marker is text for the byte tokenizer");
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"eos_token\": \"[SEP]\", \"chat_template\": \"{{ messages[0].content }}\"}");
        ModelChatTemplate own = ModelChatTemplate.forModel(dir);
        assertEquals("S", own.template().render(CHAT, false));
        assertArrayEquals(new int[] {7, 260, 256}, EndOfTurn.ids(bytes, own, new int[] {7}), "generation_config, eos_token, known ones");
    }

    @Test
    void specialTokenNamesInRenderedTextBecomeTheirIds() {
        Tokenizer bytes = TokenizerSpec.standard().create("byte");
        assertArrayEquals(new int[] {259, 'h', 'i', 260, 'x', 256}, ChatEncoding.encode(bytes, "[CLS]hi[SEP]x<|endoftext|>"));
        assertArrayEquals(new int[0], ChatEncoding.encode(bytes, ""));
    }
}
