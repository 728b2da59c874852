package dev.kiln.runtime.tokenizer;

import dev.kiln.api.config.ConfigException;
import org.junit.jupiter.api.Test;

import static dev.kiln.runtime.tokenizer.HfFixtures.ids;
import static dev.kiln.runtime.tokenizer.HfFixtures.model;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Models. The Unigram cases are Hugging Face tokenizers' own (models/unigram/model.rs tests,
 * their pieces turned into ids); the BPE, WordPiece and WordLevel ones are worked out by hand
 * from models/bpe/model.rs and friends.
 */
class HfModelTest {

    @Test
    void bpeAppliesTheLowestRankedMergeFirst() {
        TokenModel m = model("{\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": 1, \"c\": 2, \"ab\": 3, \"bc\": 4, \"abc\": 5}, "
                + "\"merges\": [\"b c\", [\"a\", \"b\"], \"a bc\"]}");
        assertArrayEquals(new int[] {5}, ids(m, "abc"), "b c (rank 0) before a b (rank 1), then a bc");
        assertArrayEquals(new int[] {3, 3}, ids(m, "abab"));
        assertArrayEquals(new int[] {3, 4}, ids(m, "abbc"));
    }

    @Test
    void bpeByteFallbackAndUnknowns() {
        String vocab = "\"vocab\": {\"<unk>\": 0, \"a\": 1, \"<0xC3>\": 2, \"<0xA9>\": 3}, \"merges\": []";
        TokenModel fused = model("{\"type\": \"BPE\", " + vocab + ", \"unk_token\": \"<unk>\", \"fuse_unk\": true, \"byte_fallback\": true}");
        assertArrayEquals(new int[] {1, 2, 3}, ids(fused, "aé"), "é is <0xC3> <0xA9>");
        assertArrayEquals(new int[] {1, 0}, ids(fused, "a€"), "€'s bytes are not all there: unk");
        assertArrayEquals(new int[] {0, 1}, ids(fused, "€€a"), "fused");
        TokenModel unfused = model("{\"type\": \"BPE\", " + vocab + ", \"unk_token\": \"<unk>\", \"fuse_unk\": false}");
        assertArrayEquals(new int[] {0, 0, 1}, ids(unfused, "€€a"));
        assertArrayEquals(new int[] {1, 0}, ids(unfused, "aé"), "no byte_fallback: é is one unknown character");
        TokenModel noUnk = model("{\"type\": \"BPE\", " + vocab + "}");
        assertArrayEquals(new int[] {1, 1}, ids(noUnk, "a€a"), "without an unk token Hugging Face drops the character");
    }

    @Test
    void bpePrefixSuffixAndIgnoreMerges() {
        TokenModel m = model("{\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"##b\": 1, \"##c</w>\": 2, \"ab\": 3, \"abc</w>\": 4}, "
                + "\"merges\": [\"a ##b\", \"ab ##c</w>\"], \"continuing_subword_prefix\": \"##\", \"end_of_word_suffix\": \"</w>\"}");
        assertArrayEquals(new int[] {4}, ids(m, "abc"), "merging drops the right part's prefix: a + ##b = ab");
        TokenModel merging = model("{\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": 1, \"ab\": 2, \"abab\": 3}, \"merges\": [\"a b\"]}");
        assertArrayEquals(new int[] {2, 2}, ids(merging, "abab"));
        TokenModel ignoring = model("{\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": 1, \"ab\": 2, \"abab\": 3}, \"merges\": [\"a b\"], "
                + "\"ignore_merges\": true}");
        assertArrayEquals(new int[] {3}, ids(ignoring, "abab"), "ignore_merges: a piece in the vocabulary is that token");
        assertArrayEquals(new int[] {2, 0}, ids(ignoring, "aba"));
    }

    @Test
    void bpeRefusesDropoutAndBadMerges() {
        ConfigException d = assertThrows(ConfigException.class,
                () -> model("{\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": [], \"dropout\": 0.1}"));
        assertTrue(d.getMessage().contains("model.dropout"), d.getMessage());
        ConfigException m = assertThrows(ConfigException.class,
                () -> model("{\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": [\"a a\"]}"));
        assertTrue(m.getMessage().contains("model.merges[0]") && m.getMessage().contains("'aa'"), m.getMessage());
    }

    @Test
    void wordPieceAndWordLevel() {
        TokenModel wp = model("{\"type\": \"WordPiece\", \"unk_token\": \"[UNK]\", \"continuing_subword_prefix\": \"##\", "
                + "\"max_input_chars_per_word\": 9, \"vocab\": {\"[UNK]\": 0, \"un\": 1, \"##aff\": 2, \"##able\": 3, \"a\": 4}}");
        assertArrayEquals(new int[] {1, 2, 3}, ids(wp, "unaffable"));
        assertArrayEquals(new int[] {0}, ids(wp, "unx"), "an uncovered word is one unk");
        assertArrayEquals(new int[] {0}, ids(wp, "unaffablea"), "10 > 9 characters");
        TokenModel wl = model("{\"type\": \"WordLevel\", \"unk_token\": \"<unk>\", \"vocab\": {\"<unk>\": 0, \"hi\": 1}}");
        assertArrayEquals(new int[] {1}, ids(wl, "hi"));
        assertArrayEquals(new int[] {0}, ids(wl, "yo"));
    }

    static final String UNIGRAM = "{\"type\": \"Unigram\", \"unk_id\": 0, \"vocab\": [[\"<unk>\", 0.0], [\"ab\", 0.0], [\"cd\", -0.1], "
            + "[\"abc\", -0.2], [\"a\", -0.3], [\"b\", -0.4], [\"c\", -0.5], [\"ABC\", -0.5], [\"abcdabcd\", 20.0], [\"q\", 20.5], "
            + "[\"r\", 20.5], [\"qr\", -0.5]]}";

    @Test
    void unigramViterbi() {
        TokenModel m = model(UNIGRAM);
        assertArrayEquals(new int[] {3}, ids(m, "abc"));
        assertArrayEquals(new int[] {0}, ids(m, "AB"), "two unknown characters fused into one unk");
        assertArrayEquals(new int[] {1, 2}, ids(m, "abcd"));
        assertArrayEquals(new int[] {3, 6}, ids(m, "abcc"));
        assertArrayEquals(new int[] {0, 3, 1, 4, 1, 2, 0}, ids(m, "xabcabaabcdd"));
        assertArrayEquals(new int[] {0}, ids(m, "xyz東京"));
        assertArrayEquals(new int[] {7}, ids(m, "ABC"));
        assertArrayEquals(new int[] {1, 7, 2}, ids(m, "abABCcd"));
        assertArrayEquals(new int[] {1, 8, 2}, ids(m, "ababcdabcdcd"));
        assertArrayEquals(new int[] {1, 9, 10, 2}, ids(m, "abqrcd"));
    }

    @Test
    void unigramByteFallback() {
        TokenModel m = model("{\"type\": \"Unigram\", \"unk_id\": 0, \"byte_fallback\": true, \"vocab\": [[\"<unk>\", 0.0], "
                + "[\"<0xE2>\", -0.01], [\"<0x85>\", -0.02], [\"<0xE2>\", -0.03], [\"<0x90>\", -0.04], [\"<0x91>\", -0.05], "
                + "[\"<0x9B>\", -0.06], [\"Hello\", -0.1], [\"how\", -0.2], [\"are\", -0.3], [\" \", -0.4]]}");
        assertArrayEquals(new int[] {7, 3, 2, 4, 8, 10, 9, 3, 2, 5, 3, 2, 5}, ids(m, "Hello⅐how are⅑⅑"),
                "a repeated piece (<0xE2>) has its last id, as in Hugging Face's test");
        TokenModel noUnk = model("{\"type\": \"Unigram\", \"vocab\": [[\"a\", 0.0]]}");
        assertThrows(IllegalArgumentException.class, () -> ids(noUnk, "ab"));
    }

    @Test
    void unknownModelTypeIsRefused() {
        ConfigException e = assertThrows(ConfigException.class, () -> model("{\"type\": \"BNE\", \"vocab\": {}}"));
        assertTrue(e.getMessage().contains("model type 'BNE' is not supported") && e.getMessage().contains("Unigram"), e.getMessage());
    }
}
