package dev.kiln.cli;

import dev.kiln.api.io.Json;
import dev.kiln.api.io.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static dev.kiln.cli.ModelDirectories.*;
import static org.junit.jupiter.api.Assertions.*;

/** kiln sample: one completion per prompt, as kiln generate would give it, with the KL to a reference and a judge TSV. */
class SampleCliTest {
    @TempDir
    Path tmp;

    @Test
    void eachPromptGetsTheCompletionGenerateGivesAndTheKlToItselfIsZero() throws IOException {
        Path model = hfGpt2(tmp.resolve("hf"));
        Path prompts = Files.writeString(tmp.resolve("p.txt"), "the cat\n\nonce upon\n");
        Path out = tmp.resolve("s.jsonl"), tsv = tmp.resolve("judge.tsv");
        Cli r = kiln("sample", "--model", model.toString(), "--reference", model.toString(), "--prompts", prompts.toString(),
                "--out", out.toString(), "--tsv", tsv.toString(), "--greedy", "-n", "4");
        assertEquals(0, r.code(), r.err());
        List<JsonObject> rows = records(out);
        assertEquals(2, rows.size());
        for (JsonObject row : rows) {
            assertEquals(0.0, row.number("kl"), "the same model as its own reference: " + row.get("kl"));
            assertTrue(row.number("logp") < 0, "a log-probability of sampled tokens: " + row.get("logp"));
            assertTrue(row.integer("tokens") > 0 && row.integer("tokens") <= 4);
        }
        Cli g = kiln("generate", "--model", model.toString(), "--prompt", "the cat", "--greedy", "-n", "4", "--no-echo");
        assertEquals(g.out().strip(), rows.get(0).string("completion").strip(), "kiln sample continues as kiln generate does");
        List<String> judge = Files.readAllLines(tsv);
        assertEquals("label\tsentence", judge.get(0));
        assertEquals("1\tthe cat" + rows.get(0).string("completion"), judge.get(1));
        assertTrue(r.err().contains("KL to " + model + ": 0.000 per completion"), r.err());
    }

    @Test
    void aPromptLineWithoutAPromptNamesTheFileAndLine() throws IOException {
        Path model = hfGpt2(tmp.resolve("hf"));
        Path prompts = Files.writeString(tmp.resolve("p.jsonl"), "{\"prompt\": \"a\"}\n{\"text\": \"b\"}\n");
        Cli r = kiln("sample", "--model", model.toString(), "--prompts", prompts.toString(), "--out", tmp.resolve("s.jsonl").toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains(prompts + ":2: expected a string 'prompt'"), r.err());
        assertFalse(Files.exists(tmp.resolve("s.jsonl")), "nothing written on bad input");
    }

    private static List<JsonObject> records(Path file) throws IOException {
        List<JsonObject> out = new ArrayList<>();
        Json.forEachLine(Files.readString(file), file.toString(), (line, v) -> out.add(JsonObject.of(v, file + ":" + line)));
        return out;
    }
}
