package dev.kiln.runtime.tokenizer;

import dev.kiln.api.tokenizer.Tokenizer;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * transformers' {@code split_special_tokens}: by default special-token strings in text are their ids
 * in every Kiln tokenizer; {@code withSplitSpecialTokens(true)} encodes them as text; the setting is
 * part of the fingerprint.
 */
class SpecialTokenSplittingTest {

    @Test
    void byteTokenizerGivesSpecialStringsTheirIds() {
        ByteTokenizer t = new ByteTokenizer();
        assertArrayEquals(new int[] {'a', 256, 'b'}, t.encode("a<|endoftext|>b"));
        assertArrayEquals(new int[] {259, 'x', 260, 260}, t.encode("[CLS]x[SEP][SEP]"));
        Tokenizer text = t.withSplitSpecialTokens(true);
        byte[] utf8 = "a<|endoftext|>b".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        int[] bytes = new int[utf8.length];
        for (int i = 0; i < utf8.length; i++) bytes[i] = utf8[i];
        assertArrayEquals(bytes, text.encode("a<|endoftext|>b"), "as bytes");
        assertSame(t, t.withSplitSpecialTokens(false));
        assertFalse(t.splitsSpecialTokens());
        assertTrue(((ByteTokenizer) text).splitsSpecialTokens());
    }

    @Test
    void byteLevelBpeMatchesItsHuggingFaceDefaultCall() throws IOException {
        BpeTokenizer t = (BpeTokenizer) BpeFiles.readGpt2(BpeTokenizerTest.SMALL.resolve("encoder.json"), BpeTokenizerTest.SMALL.resolve("vocab.bpe"));
        int eos = t.specialTokens().get("<|endoftext|>");
        String text = "Hello world<|endoftext|>Next document";
        int[] ids = t.encode(text);
        assertArrayEquals(t.encode(text, false), ids, "encode(text) is tokenizer(text, add_special_tokens=False)");
        assertEquals(1, count(ids, eos));
        int[] asText = t.withSplitSpecialTokens(true).encode(text);
        assertEquals(0, count(asText, eos));
        assertTrue(asText.length > ids.length, "the name spelled out takes several tokens");
        assertArrayEquals(t.encode("Hello world"), t.withSplitSpecialTokens(true).encode("Hello world"), "no specials, no difference");
    }

    @Test
    void wordPieceGivesBertSpecialsTheirIds() throws IOException {
        WordPieceTokenizer t = (WordPieceTokenizer) WordPieceTokenizerTest.uncased();
        int[] theKiln = t.encode(" the kiln"), fires = t.encode("fires ");
        int[] want = new int[theKiln.length + fires.length + 3];
        want[0] = 2;
        System.arraycopy(theKiln, 0, want, 1, theKiln.length);
        want[1 + theKiln.length] = 3;
        System.arraycopy(fires, 0, want, 2 + theKiln.length, fires.length);
        want[want.length - 1] = 3;
        assertArrayEquals(want, t.encode("[CLS] the kiln[SEP]fires [SEP]"));
        int[] asText = t.withSplitSpecialTokens(true).encode("[CLS] the kiln [SEP]");
        assertFalse(contains(asText, 2) || contains(asText, 3), "[CLS] / [SEP] as text are brackets and words");
    }

    @Test
    void hfTokenizerFollowsTheSetting() {
        HfTokenizer t = HfFixtures.tokenizer("""
                {"added_tokens": [{"id": 3, "content": "<eos>", "special": true, "single_word": false, "lstrip": false,
                  "rstrip": false, "normalized": false}],
                 "normalizer": null, "pre_tokenizer": {"type": "WhitespaceSplit"}, "post_processor": null, "decoder": null,
                 "model": {"type": "WordLevel", "vocab": {"a": 0, "b": 1, "[UNK]": 2}, "unk_token": "[UNK]"}}""");
        assertArrayEquals(new int[] {0, 3, 1}, t.encode("a <eos> b"));
        assertArrayEquals(new int[] {0, 2, 1}, t.withSplitSpecialTokens(true).encode("a <eos> b"), "<eos> as a word is unknown");
        assertSame(t, t.withSplitSpecialTokens(false));
    }

    @Test
    void theSettingIsPartOfTheFingerprint() {
        ByteTokenizer t = new ByteTokenizer();
        TokenizerSpec spec = TokenizerSpec.standard();
        assertNotEquals(spec.fingerprint(t), spec.fingerprint(t.withSplitSpecialTokens(true)));
        assertEquals(spec.fingerprint(t), spec.fingerprint(new ByteTokenizer()));
    }

    @Test
    void aTokenizerWithoutTheSettingRefusesOnlySplitting() {
        Tokenizer plugin = new Tokenizer() {
            public String name() { return "plugin"; }
            public int vocabSize() { return 1; }
            public int[] encode(String text) { return new int[0]; }
            public String decode(int[] ids, boolean skipSpecial) { return ""; }
            public Map<String, Integer> specialTokens() { return Map.of(); }
        };
        assertSame(plugin, SpecialTokenSplitting.apply(plugin, false));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SpecialTokenSplitting.apply(plugin, true));
        assertTrue(e.getMessage().contains("split_special_tokens") && e.getMessage().contains("plugin"), e.getMessage());
    }

    private static int count(int[] ids, int id) {
        int n = 0;
        for (int i : ids) if (i == id) n++;
        return n;
    }

    private static boolean contains(int[] ids, int id) {
        return count(ids, id) > 0;
    }
}
