package dev.kiln.finetune.sft;

import dev.kiln.api.completion.Message;
import dev.kiln.api.completion.RoleTemplate;
import dev.kiln.api.config.Config;
import dev.kiln.api.config.ConfigException;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class ChatTemplateTest {
    static final Config SECTION = new Config("finetune signal 'sft'", Map.of());

    static RoleTemplate parse(Object raw) {
        return RoleTemplate.parse(raw, SECTION);
    }

    static List<Message> conversation() {
        return List.of(new Message("system", "Be brief."), new Message("user", "Hi?"),
                new Message("assistant", "Hello."));
    }

    @Test
    void chatmlIsTheDefaultAndRendersEveryMessage() {
        String expected = "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi?<|im_end|>\n<|im_start|>assistant\nHello.<|im_end|>\n";
        assertEquals(expected, parse(null).render(conversation(), false));
        assertEquals(expected, parse("ChatML").render(conversation(), false));
        assertEquals(expected + "<|im_start|>assistant\n", parse("chatml").render(conversation(), true));
        RoleTemplate.Format assistant = parse(null).format("assistant");
        assertEquals("<|im_end|>", assistant.endMarker(), "the trained end marker: the suffix without its trailing newline");
        assertEquals("\n", assistant.afterEndMarker());
    }

    @Test
    void roleFormatsSubstituteRoleAndUnescapeBraces() {
        Map<String, Object> raw = new LinkedHashMap<>();
        raw.put("user", "[{role}] {{q}} {content}\n");
        raw.put("assistant", "[{role}] {content} </s>\n\n");
        RoleTemplate t = parse(raw);
        assertEquals(new RoleTemplate.Format("[user] {q} ", "\n"), t.format("user"));
        assertEquals("</s>", t.format("assistant").endMarker().strip());
        assertNull(t.format("system"), "system is optional");
        assertEquals("[assistant] ", t.generationPrompt(), "the generation prompt defaults to the assistant prefix");
        assertEquals("[user] {q} hi\n[assistant] yo </s>\n\n[assistant] ", t.render(List.of(new Message("user", "hi"),
                new Message("assistant", "yo")), true));
    }

    @Test
    void theStoredMapReadsBackAsTheSameTemplate() {
        Map<String, Object> chatml = parse(null).toMap();
        assertEquals(Map.of("system", "<|im_start|>system\n{content}<|im_end|>\n", "user", "<|im_start|>user\n{content}<|im_end|>\n",
                "assistant", "<|im_start|>assistant\n{content}<|im_end|>\n", "generation_prompt", "<|im_start|>assistant\n"), chatml);
        assertEquals(chatml, parse(chatml).toMap());
        Map<String, Object> braces = Map.of("user", "{{{content}}}", "assistant", "A: {content}.", "generation_prompt", "A:");
        RoleTemplate t = parse(braces);
        assertEquals(new RoleTemplate.Format("{", "}"), t.format("user"));
        assertEquals(braces, t.toMap());
        assertEquals(braces, parse(t.toMap()).toMap());
    }

    @Test
    void badTemplatesAreErrorsNamingTheKey() {
        assertError(Map.of("user", "{content}", "assistant", "no placeholder"), "key 'assistant' must contain {content} exactly once");
        assertError(Map.of("user", "{content}{content}", "assistant", "{content}"), "key 'user' must contain {content} exactly once");
        assertError(Map.of("user", "{name}: {content}", "assistant", "{content}"), "unknown placeholder '{name}'");
        assertError(Map.of("user", "{content} }", "assistant", "{content}"), "unmatched '}'");
        assertError(Map.of("user", "{content", "assistant", "{content}"), "unknown placeholder");
        assertError(Map.of("user", "{content}"), "key 'assistant' is required");
        assertError(Map.of("user", "{content}", "assistant", "{content}", "tool", "{content}"), "unknown key 'tool'");
        assertError("llama3", "unknown template 'llama3'");
        assertError(List.of("x"), "expected the name 'chatml' or a map");
    }

    private static void assertError(Object raw, String expected) {
        ConfigException e = assertThrows(ConfigException.class, () -> parse(raw));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertTrue(e.getMessage().contains("chat_template"), "names chat_template: " + e.getMessage());
    }
}
