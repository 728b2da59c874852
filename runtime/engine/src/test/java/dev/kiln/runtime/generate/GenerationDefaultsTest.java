package dev.kiln.runtime.generate;

import dev.kiln.api.nn.Transformer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/** generation_config.json: its EOS ids stop generation, its sampling keys are defaults that explicit settings override. */
class GenerationDefaultsTest {
    @TempDir
    Path dir;

    @Test
    void aListOfEosIdsStopsAtWhicheverComesFirst() throws IOException {
        Transformer model = GeneratorTest.tinyModel(257, 64);
        int[] free = new Generator(model, new TestBytes()).stopAt().generate("abc", SamplingSettings.greedy(12), s -> {}).tokens();
        assertEquals(12, free.length);
        int stopToken = free[4], firstAt = 0;
        while (free[firstAt] != stopToken) firstAt++;
        Files.writeString(dir.resolve(GenerationDefaults.FILE), "{\"eos_token_id\": [255, " + stopToken + "], \"bos_token_id\": 1}");
        GenerationDefaults d = GenerationDefaults.read(dir);
        assertArrayEquals(new int[] {255, stopToken}, d.eosIds());
        assertEquals(1, d.bosId());
        Generation g = new Generator(model, new TestBytes()).stopAt(d.eosIds()).generate("abc", SamplingSettings.greedy(12), s -> {});
        assertEquals(Generation.StopReason.EOS, g.reason());
        assertArrayEquals(java.util.Arrays.copyOf(free, firstAt), g.tokens());
    }

    @Test
    void samplingKeysAreDefaultsThatExplicitSettingsOverride() throws IOException {
        Files.writeString(dir.resolve(GenerationDefaults.FILE),
                "{\"do_sample\": true, \"temperature\": 0.6, \"top_k\": 20, \"top_p\": 0.9, \"repetition_penalty\": 1.2, \"max_new_tokens\": 7, \"eos_token_id\": 2}");
        GenerationDefaults d = GenerationDefaults.read(dir);
        SamplingSettings none = d.applyTo(SamplingSettings.defaults(), k -> false);
        assertEquals(new SamplingSettings(false, 0.6, 20, 0.9, 1.2, 7, 0, java.util.List.of()), none);
        SamplingSettings flags = d.applyTo(SamplingSettings.defaults().withTemperature(1.5).withMaxNewTokens(3),
                Set.of("temperature", "max_new_tokens")::contains);
        assertEquals(1.5, flags.temperature());
        assertEquals(3, flags.maxNewTokens());
        assertEquals(20, flags.topK());
        Files.writeString(dir.resolve(GenerationDefaults.FILE), "{\"do_sample\": false}");
        assertTrue(GenerationDefaults.read(dir).applyTo(SamplingSettings.defaults(), k -> false).isGreedy());
        assertSame(GenerationDefaults.NONE, GenerationDefaults.read(dir.resolve("absent")));
    }

    @Test
    void aBadValueNamesTheFileAndKey() throws IOException {
        Files.writeString(dir.resolve(GenerationDefaults.FILE), "{\"eos_token_id\": \"</s>\"}");
        IOException e = assertThrows(IOException.class, () -> GenerationDefaults.read(dir));
        assertTrue(e.getMessage().contains("generation_config.json: key 'eos_token_id' must be a token id or a list"), e.getMessage());
    }
}
