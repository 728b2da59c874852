package dev.kiln.runtime.chat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ChatTemplateFilesTest {
    private static final List<Map<String, ?>> HI = List.of(Map.of("role", "user", "content", "hi"));

    @Test
    void stringTemplateWithAddedTokenSpecials(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("tokenizer_config.json"), """
                {"bos_token": {"content": "<s>", "__type": "AddedToken"}, "eos_token": "</s>", "pad_token": null,
                 "chat_template": "{{ bos_token }}{% for m in messages %}[{{ m.role }}] {{ m.content }}{{ eos_token }}{% endfor %}"}
                """);
        JinjaChatTemplate t = ChatTemplateFiles.load(dir).orElseThrow();
        assertEquals("<s>[user] hi</s>", t.render(HI, false));
        assertEquals(Map.of("bos_token", "<s>", "eos_token", "</s>"), t.specialTokens());
        assertTrue(t.origin().endsWith("tokenizer_config.json: chat_template"), t.origin());
    }

    @Test
    void namedTemplatesUseDefaultOrTheNamedOne(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("tokenizer_config.json"), """
                {"chat_template": [{"name": "default", "template": "D:{{ messages[0].content }}"},
                                   {"name": "tool_use", "template": "T:{{ messages[0].content }}"}]}
                """);
        assertEquals("D:hi", ChatTemplateFiles.load(dir).orElseThrow().render(HI, false));
        assertEquals("T:hi", ChatTemplateFiles.load(dir, "tool_use").orElseThrow().render(HI, false));
        IOException e = assertThrows(IOException.class, () -> ChatTemplateFiles.load(dir, "rag"));
        assertTrue(e.getMessage().contains("no template named 'rag' (has: default, tool_use)"), e.getMessage());
    }

    @Test
    void jinjaFileBesideTheConfigWins(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"eos_token\": \"<e>\", \"chat_template\": \"config\"}");
        Files.writeString(dir.resolve("chat_template.jinja"), "file{{ eos_token }}");
        assertEquals("file<e>", ChatTemplateFiles.load(dir).orElseThrow().render(HI, false));
    }

    @Test
    void noTemplateIsEmptyAndBadJsonNamesTheFile(@TempDir Path dir) throws IOException {
        assertTrue(ChatTemplateFiles.load(dir).isEmpty());
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"eos_token\": ");
        IOException e = assertThrows(IOException.class, () -> ChatTemplateFiles.load(dir));
        assertTrue(e.getMessage().contains("tokenizer_config.json: not valid JSON"), e.getMessage());
    }

    @Test
    void raiseExceptionAndSyntaxErrorsNameTheTemplate() {
        JinjaChatTemplate raising = JinjaChatTemplate.of("{{ raise_exception('only users here') }}", "dir/tokenizer_config.json: chat_template", Map.of());
        ChatTemplateException e = assertThrows(ChatTemplateException.class, () -> raising.render(HI, false));
        assertEquals("only users here", e.raisedMessage());
        assertEquals("dir/tokenizer_config.json: chat_template: the template raised an error: only users here", e.getMessage());
        JinjaChatTemplate broken = JinjaChatTemplate.of("{% for m in messages %}", "x.jinja", Map.of());
        ChatTemplateException s = assertThrows(ChatTemplateException.class, () -> broken.render(HI, false));
        assertTrue(s.getMessage().startsWith("x.jinja: line 1: "), s.getMessage());
    }
}
