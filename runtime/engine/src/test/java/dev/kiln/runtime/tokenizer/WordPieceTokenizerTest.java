package dev.kiln.runtime.tokenizer;

import dev.kiln.api.config.Config;
import dev.kiln.api.tokenizer.Tokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * WordPiece on a hand-written vocab.txt (resources/tokenizer/wordpiece/vocab.txt, ids = line - 1);
 * the expected ids were worked out by hand from BERT's algorithm.
 */
class WordPieceTokenizerTest {
    static final Path VOCAB = Fixtures.resource("wordpiece/vocab.txt");

    static Tokenizer uncased() throws IOException {
        return WordPieceFiles.readVocabTxt(VOCAB, true, true);
    }

    static int[] ids(int... ids) { return ids; }

    @Test
    void uncasedBertBasicTokenizerAndWordPiece() throws IOException {
        Tokenizer t = uncased();
        assertEquals(37, t.vocabSize());
        assertEquals(Map.of("[PAD]", 0, "[UNK]", 1, "[CLS]", 2, "[SEP]", 3, "[MASK]", 4), t.specialTokens());
        assertArrayEquals(ids(5, 6, 7, 8, 18), t.encode("The kiln fires!"));
        assertArrayEquals(ids(12, 13, 14), t.encode("unwanted"));
        assertArrayEquals(ids(10, 9, 10, 11), t.encode("Gluing GLUE"));
        assertArrayEquals(ids(22, 23), t.encode("Café naïve"), "accents stripped");
        assertArrayEquals(ids(20, 21), t.encode("窯火"), "CJK characters are words of their own");
        assertArrayEquals(ids(6, 8, 16), t.encode("kilns,"));
        assertArrayEquals(ids(1), t.encode("xyz"), "x is known but ##y is not: the whole word is [UNK]");
        assertArrayEquals(ids(1, 6), t.encode("🔥 kiln"));
        assertArrayEquals(ids(29, 19, 30), t.encode("don't"));
        assertArrayEquals(ids(24, 28), t.encode("aab"), "longest match first: a ##ab, not a ##a ##b");
        assertArrayEquals(ids(33, 6, 34, 7, 35, 6), t.encode("(kiln) fire-kiln"));
        assertArrayEquals(ids(5, 6, 7), t.encode("the\tkiln\u00a0fire"), "tab and no-break space are whitespace");
        assertArrayEquals(ids(5, 6), t.encode("the\u200b \u0000kiln\u0007"), "format and control characters are dropped");
        assertArrayEquals(ids(), t.encode(" \n\t "));
    }

    @Test
    void wordsLongerThanOneHundredCharactersAreUnknown() throws IOException {
        Tokenizer t = uncased();
        int[] hundred = t.encode("a".repeat(100));
        assertEquals(100, hundred.length);
        assertEquals(24, hundred[0]);
        assertEquals(25, hundred[99]);
        assertArrayEquals(ids(1), t.encode("a".repeat(101)));
        assertArrayEquals(ids(1, 5), t.encode("a".repeat(101) + " the"));
    }

    @Test
    void casedVocabulary() throws IOException {
        Tokenizer t = WordPieceFiles.readVocabTxt(VOCAB, false, false);
        assertArrayEquals(ids(32, 6), t.encode("The kiln"));
        assertArrayEquals(ids(31, 1), t.encode("Café café"));
        Tokenizer viaConfig = TokenizerSpec.standard().create(new Config("tokenizer",
                Map.of("type", "wordpiece", "path", VOCAB.toString(), "lowercase", false)));
        assertArrayEquals(ids(31, 1), viaConfig.encode("Café café"));
        Tokenizer lowerKeepAccents = WordPieceFiles.readVocabTxt(VOCAB, true, false);
        assertArrayEquals(ids(1, 22), lowerKeepAccents.encode("Café CAFE"));
    }

    @Test
    void decodeJoinsPiecesAndCleansUp() throws IOException {
        Tokenizer t = uncased();
        assertEquals("[CLS] the kiln fires! [SEP]", t.decode(ids(2, 5, 6, 7, 8, 18, 3)));
        assertEquals("the kiln fires!", t.decode(ids(2, 5, 6, 7, 8, 18, 3), true));
        assertEquals("don't", t.decode(ids(29, 19, 30)));
        assertEquals("unwanted, gluing.", t.decode(ids(12, 13, 14, 16, 10, 9, 17)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.decode(ids(5, 37)));
        assertTrue(e.getMessage().contains("37") && e.getMessage().contains("position 1"), e.getMessage());
    }

    @Test
    void huggingFaceJsonRoundTrip(@TempDir Path dir) throws IOException {
        Tokenizer t = uncased();
        TokenizerSpec.standard().save(t, dir);
        String json = Files.readString(dir.resolve("tokenizer.json"));
        assertTrue(json.contains("\"WordPiece\"") && json.contains("\"BertNormalizer\"") && json.contains("\"max_input_chars_per_word\": 100"), json);
        Tokenizer back = TokenizerSpec.standard().load(dir);
        assertEquals("wordpiece", back.name());
        for (String s : List.of("The kiln fires!", "Café naïve 窯火 xyz", "aab don't"))
            assertArrayEquals(t.encode(s), back.encode(s), s);
        assertEquals(t.specialTokens(), back.specialTokens());
    }

    @Test
    void readsAHandWrittenHuggingFaceFile(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("tokenizer.json"), """
                {"version": "1.0", "added_tokens": [{"id": 0, "content": "[UNK]", "special": true}, {"id": 4, "content": "[SEP]", "special": true}],
                 "normalizer": {"type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true, "strip_accents": null, "lowercase": false},
                 "pre_tokenizer": {"type": "BertPreTokenizer"}, "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": true},
                 "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##", "max_input_chars_per_word": 5,
                           "vocab": {"[UNK]": 0, "Kiln": 1, "##s": 2, "!": 3, "[SEP]": 4}}}
                """);
        Tokenizer t = TokenizerFiles.load(dir);
        assertArrayEquals(ids(1, 2, 3, 0, 0), t.encode("Kilns! kiln Kilnss"), "cased; Kilnss has 6 > 5 characters");
        assertEquals(Map.of("[UNK]", 0, "[SEP]", 4), t.specialTokens());
        assertEquals("Kilns! [SEP] [UNK]", t.decode(ids(1, 2, 3, 4, 0)));
        assertEquals("Kilns!", t.decode(ids(1, 2, 3, 4, 0), true));
    }
}
