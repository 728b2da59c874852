package dev.kiln.cli;

import dev.kiln.api.io.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static dev.kiln.cli.ModelDirectories.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Instruction tuning a model that has its own chat template: the sft signal formats the conversations with it
 * (chat_template: model, recorded in the saved config), and the fine-tuned model keeps the template, so
 * {@code kiln tokenize --chat} / {@code kiln chat} format prompts as it was trained.
 */
class SftChatTemplateCliTest {
    @TempDir
    Path tmp;

    @Test
    void sftUsesAndKeepsTheModelsOwnTemplate() throws IOException {
        Path base = chatModel(tmp.resolve("base"));
        StringBuilder rows = new StringBuilder();
        for (int i = 0; i < 20; i++)
            rows.append(Json.write(Map.of("messages", List.of(Map.of("role", "user", "content", "hi " + i),
                    Map.of("role", "assistant", "content", "hello " + i))))).append('\n');
        Path data = Files.writeString(tmp.resolve("chat.jsonl"), rows);
        Map<String, Object> train = new HashMap<>(train(2));
        train.put("seq_len", 64);
        Path cfg = config(tmp.resolve("sft.json"), Map.of(
                "finetune", Map.of("from", base.toString(), "method", "full", "signal", Map.of("name", "sft", "task", "instruction")),
                "data", Map.of("train", data.toString()), "train", train));
        Path run = tmp.resolve("run");
        Cli r = kiln("finetune", "--config", cfg.toString(), "--out", run.toString());
        assertEquals(0, r.code(), r.err());

        Map<String, Object> config = json(run.resolve("model/config.json"));
        assertEquals("model", ((Map<?, ?>) ((Map<?, ?>) config.get("objectives")).get("sft")).get("chat_template"), config.toString());
        assertEquals(CHAT_TEMPLATE, Files.readString(run.resolve("model/chat_template.jinja")));
        Path messages = Files.writeString(tmp.resolve("m.json"), "[{\"role\": \"user\", \"content\": \"hi 3\"}]");
        Cli before = kiln("tokenize", "--tokenizer", base.toString(), "--chat", messages.toString(), "--add-generation-prompt");
        Cli after = kiln("tokenize", "--tokenizer", run.resolve("model").toString(), "--chat", messages.toString(), "--add-generation-prompt");
        assertEquals(0, after.code(), after.err());
        assertEquals("<|endoftext|>[CLS]user: hi 3[SEP][CLS]assistant: \n", before.out());
        assertEquals(before.out(), after.out(), "the fine-tuned model renders prompts as its base does");
    }
}
