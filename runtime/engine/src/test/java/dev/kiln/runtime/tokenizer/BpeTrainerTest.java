package dev.kiln.runtime.tokenizer;

import dev.kiln.api.config.Config;
import dev.kiln.api.config.ConfigException;
import dev.kiln.api.tokenizer.Tokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class BpeTrainerTest {
    static final Path CORPUS = Fixtures.resource("corpus.txt");

    static String corpus() throws IOException {
        return Files.readString(CORPUS, StandardCharsets.UTF_8);
    }

    @Test
    void trainsToTheTargetSizeWithSpecialsFirst() throws IOException {
        BpeTokenizer t = new BpeTrainer(400, List.of("<|endoftext|>", "[PAD]"), 2).train(corpus());
        assertEquals(400, t.vocabSize());
        assertEquals(Map.of("<|endoftext|>", 0, "[PAD]", 1), t.specialTokens());
        assertEquals(400 - 2 - 256, t.model().merges().size());
        assertEquals("!", t.model().token(2), "the byte alphabet follows the specials, sorted by character");
        String text = corpus();
        int[] ids = t.encode(text);
        assertEquals(text, t.decode(ids));
        assertTrue(ids.length < text.getBytes(StandardCharsets.UTF_8).length * 2 / 3, "compresses its own corpus: " + ids.length);
        assertEquals(1, t.encode(" the").length, "a frequent word is one token");
    }

    @Test
    void isDeterministicAndMatchesTheCommittedFixture() throws IOException {
        BpeTokenizer a = new BpeTrainer(512, List.copyOf(ByteTokenizer.defaultSpecials().keySet()), 2).train(corpus());
        Map<String, Object> json = BpeFiles.toJson(a);
        Map<String, Object> committed = HfJson.readObject(Fixtures.resource("small-bpe/tokenizer.json"));
        assertEquals(committed, dev.kiln.api.io.Json.parse(HfJson.write(json), "written"), "re-training gives the committed small-bpe/tokenizer.json");
    }

    @Test
    void stopsWhenNoPairIsFrequentEnough() {
        BpeTokenizer t = new BpeTrainer(1000, List.of(), 2).train("abab xy");
        assertEquals(List.of("a b"), t.model().mergeStrings(), "only 'ab' occurs twice");
        assertEquals(257, t.vocabSize());
        BpeTokenizer all = new BpeTrainer(1000, List.of(), 1).train("abab xy");
        assertEquals(List.of("a b", "x y", "Ġ xy", "ab ab"), all.model().mergeStrings(), "ties: the pair of lower ids first");
        assertArrayEquals(new int[] {all.model().id("abab"), all.model().id("Ġxy")}, all.encode("abab xy"));
    }

    /**
     * Merges worked out by hand (Sennrich et al.'s example, byte-level), independent of the trainer
     * and of the fixture it wrote. Words: low ×1, Ġlow ×4, Ġlower ×2, Ġnewest ×6, Ġwidest ×3. Counts:
     * (e,s) 9 and (s,t) 9 → "e s" (ties go to the lower ids, as in Hugging Face's trainer; alphabet ids
     * follow the characters, so e &lt; s &lt; ... &lt; Ġ, and merged tokens come after every byte);
     * (es,t) 9 → "es t"; (l,o) 7 = (o,w) 7 → "l o"; (lo,w) 7 → "lo w"; then five pairs at 6:
     * (e,w), (n,e), (w,est), (Ġ,n), (Ġ,low) → "e w"; then (n,ew), (Ġ,n), (ew,est), (Ġ,low) → "n ew";
     * then (Ġ,low) and (Ġ,new) tie on Ġ, and low (merge 4) has the lower id → "Ġ low".
     */
    @Test
    void theFirstMergesOfAHandWorkedCorpus() {
        String corpus = "low low low low low lower lower newest newest newest newest newest newest widest widest widest";
        BpeTokenizer t = new BpeTrainer(256 + 7, List.of(), 2).train(corpus);
        assertEquals(List.of("e s", "es t", "l o", "lo w", "e w", "n ew", "Ġ low"), t.model().mergeStrings());
        assertEquals(3, t.encode(" newest").length, "Ġ new est");
    }

    @Test
    void rejectsBadSettings() {
        assertThrows(IllegalArgumentException.class, () -> new BpeTrainer(200, List.of(), 2));
        assertThrows(IllegalArgumentException.class, () -> new BpeTrainer(300, List.of("x", "x"), 2));
        assertThrows(IllegalArgumentException.class, () -> new BpeTrainer(300, List.of(), 0));
    }

    @Test
    void pipelineSectionTrainsThenSavesAndLoads(@TempDir Path dir) throws IOException {
        Files.copy(CORPUS, dir.resolve("corpus.txt"));
        TokenizerSpec spec = TokenizerSpec.standard(dir);
        Config section = new Config("tokenizer", Map.of("type", "bpe", "train_on", "corpus.txt", "vocab_size", 300));
        Tokenizer t = spec.create(section);
        section.finish();
        assertEquals(300, t.vocabSize());
        assertEquals(0, t.requireSpecial(Tokenizer.EOS));
        assertEquals(5, t.requireSpecial(Tokenizer.UNK), "Kiln's six special tokens by default");
        Path model = dir.resolve("model");
        spec.save(t, model);
        Tokenizer back = spec.load(model);
        String s = "The kiln's fire — 窯 🔥";
        assertArrayEquals(t.encode(s), back.encode(s));

        Tokenizer loaded = spec.create(new Config("tokenizer", Map.of("type", "bpe", "path", "model")));
        assertArrayEquals(t.encode(s), loaded.encode(s), "path: loads a directory with tokenizer.json");
    }

    @Test
    void pipelineSectionErrors(@TempDir Path dir) {
        TokenizerSpec spec = TokenizerSpec.standard(dir);
        ConfigException neither = assertThrows(ConfigException.class, () -> spec.create(new Config("tokenizer", Map.of("type", "bpe"))));
        assertTrue(neither.getMessage().contains("path") && neither.getMessage().contains("train_on"), neither.getMessage());
        ConfigException noSize = assertThrows(ConfigException.class,
                () -> spec.create(new Config("tokenizer", Map.of("type", "bpe", "train_on", "corpus.txt"))));
        assertTrue(noSize.getMessage().contains("vocab_size"), noSize.getMessage());
        ConfigException missing = assertThrows(ConfigException.class,
                () -> spec.create(new Config("tokenizer", Map.of("type", "bpe", "train_on", "nope.txt", "vocab_size", 300))));
        assertTrue(missing.getMessage().contains("nope.txt"), missing.getMessage());
        ConfigException unknown = assertThrows(ConfigException.class,
                () -> spec.create(new Config("tokenizer", Map.of("type", "bpe", "train_on", "c.txt", "vocab_size", 300, "vocab", 3))));
        assertTrue(unknown.getMessage().contains("'vocab'") && unknown.getMessage().contains("min_frequency"), unknown.getMessage());
        ConfigException small = assertThrows(ConfigException.class, () -> {
            Files.writeString(dir.resolve("c.txt"), "abc");
            spec.create(new Config("tokenizer", Map.of("type", "bpe", "train_on", "c.txt", "vocab_size", 100)));
        });
        assertTrue(small.getMessage().contains("vocab_size") && small.getMessage().contains("256"), small.getMessage());
    }
}
