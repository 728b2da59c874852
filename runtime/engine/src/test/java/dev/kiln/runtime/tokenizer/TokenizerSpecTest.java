package dev.kiln.runtime.tokenizer;

import dev.kiln.api.config.Config;
import dev.kiln.api.config.ConfigException;
import dev.kiln.api.tokenizer.Tokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class TokenizerSpecTest {
    final TokenizerSpec spec = TokenizerSpec.standard();

    @Test
    void createsByName() {
        Tokenizer t = spec.create("byte");
        assertEquals(262, t.vocabSize());
        assertEquals(Map.of("<|endoftext|>", 256, "x", 257),
                spec.create(new Config("tokenizer", Map.of("type", "byte", "special_tokens", Map.of("<|endoftext|>", 256, "x", 257)))).specialTokens());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> spec.create("unigram"));
        assertTrue(e.getMessage().contains("'unigram'") && e.getMessage().contains("known: bpe, byte, wordpiece"), e.getMessage());
        ConfigException strict = assertThrows(ConfigException.class,
                () -> spec.create(new Config("tokenizer", Map.of("type", "byte", "lowercase", true))));
        assertTrue(strict.getMessage().contains("lowercase") && strict.getMessage().contains("special_tokens"), strict.getMessage());
    }

    @Test
    void savesAndLoadsTokenizerJson(@TempDir Path dir) throws IOException {
        spec.save(new ByteTokenizer(), dir);
        String json = Files.readString(dir.resolve("tokenizer.json"));
        assertTrue(json.contains("\"type\": \"byte\"") && json.contains("\"<|endoftext|>\": 256"), json);
        Tokenizer back = spec.load(dir);
        assertEquals(ByteTokenizer.defaultSpecials(), back.specialTokens());
        assertEquals("héllo", back.decode(back.encode("héllo")));
    }

    @Test
    void loadErrorsNameTheFileAndKey(@TempDir Path dir) throws IOException {
        IOException missing = assertThrows(IOException.class, () -> spec.load(dir));
        assertTrue(missing.getMessage().contains("tokenizer.json"), missing.getMessage());

        Path f = dir.resolve("tokenizer.json");
        Files.writeString(f, "{\"type\": \"unigram\"}");
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> spec.load(dir));
        assertTrue(unknown.getMessage().contains(f.toString()) && unknown.getMessage().contains("unigram"), unknown.getMessage());

        Files.writeString(f, "{\"type\": \"byte\", \"special_tokens\": {\"<|endoftext|>\": 12}}");
        ConfigException low = assertThrows(ConfigException.class, () -> spec.load(dir));
        assertTrue(low.getMessage().contains("special_tokens") && low.getMessage().contains("0-255"), low.getMessage());

        Files.writeString(f, "{\"type\": \"byte\", \"special_tokens\": {}, \"vocab\": 3}");
        assertThrows(ConfigException.class, () -> spec.load(dir));

        Files.writeString(f, "{not json");
        IOException bad = assertThrows(IOException.class, () -> spec.load(dir));
        assertTrue(bad.getMessage().contains(f.toString()), bad.getMessage());
    }

    @Test
    void newFormatsCanBeAddedButNotTwice() {
        TokenizerFormat fake = new TokenizerFormat() {
            public String type() { return "fake"; }
            public boolean describes(Tokenizer t) { return false; }
            public Tokenizer create(Config c) { c.finish(); return new ByteTokenizer(); }
            public Map<String, Object> write(Tokenizer t) { return Map.of("type", "fake"); }
            public Tokenizer read(Config c) { return new ByteTokenizer(); }
        };
        TokenizerSpec more = spec.with(fake);
        assertEquals(java.util.Set.of("byte", "bpe", "wordpiece", "fake"), more.types());
        assertNotNull(more.create("fake"));
        assertThrows(IllegalArgumentException.class, () -> more.with(fake));
        assertEquals(java.util.Set.of("byte", "bpe", "wordpiece"), spec.types(), "with() returns a copy");
    }
}
