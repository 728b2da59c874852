package dev.kiln.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static dev.kiln.cli.ModelDirectories.*;
import static org.junit.jupiter.api.Assertions.*;

/** kiln generate takes a model directory's generation_config.json as defaults; flags override it. */
class GenerationConfigCliTest {
    @TempDir
    Path tmp;

    @Test
    void theFilesSamplingDefaultsApplyAndFlagsOverrideThem() throws IOException {
        Path model = hfGpt2(tmp.resolve("hf"));
        Files.writeString(model.resolve("generation_config.json"), "{\"do_sample\": false, \"max_new_tokens\": 3, \"eos_token_id\": []}");
        Cli a = kiln("generate", "--model", model.toString(), "--prompt", "the cat", "--seed", "1");
        Cli b = kiln("generate", "--model", model.toString(), "--prompt", "the cat", "--seed", "2");
        assertEquals(0, a.code(), a.err());
        assertTrue(a.err().contains("+ 3 generated tokens, stopped at max tokens"), a.err());
        assertEquals(a.out(), b.out(), "do_sample: false is greedy, whatever the seed");
        Cli more = kiln("generate", "--model", model.toString(), "--prompt", "the cat", "--max-new-tokens", "5");
        assertEquals(0, more.code(), more.err());
        assertTrue(more.err().contains("+ 5 generated tokens"), more.err());
        assertTrue(more.out().startsWith(a.out().strip()), "greedy continues the same way: " + more.out() + " / " + a.out());
    }

    @Test
    void aBrokenGenerationConfigNamesTheFileAndKey() throws IOException {
        Path model = hfGpt2(tmp.resolve("hf"));
        Files.writeString(model.resolve("generation_config.json"), "{\"temperature\": \"hot\"}");
        Cli r = kiln("generate", "--model", model.toString(), "--prompt", "x");
        assertEquals(1, r.code());
        assertTrue(r.err().contains(model.resolve("generation_config.json") + ": key 'temperature' must be a number"), r.err());
    }
}
