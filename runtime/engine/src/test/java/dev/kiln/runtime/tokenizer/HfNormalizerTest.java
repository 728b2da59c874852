package dev.kiln.runtime.tokenizer;

import dev.kiln.api.config.ConfigException;
import org.junit.jupiter.api.Test;

import static dev.kiln.runtime.tokenizer.HfFixtures.normalizer;
import static org.junit.jupiter.api.Assertions.*;

/** Normalizers; expected strings worked out by hand from Hugging Face tokenizers' normalizers/*.rs. */
class HfNormalizerTest {

    @Test
    void bertNormalizerCleansSpacesChineseAccentsAndCase() {
        TextNormalizer bert = normalizer("{\"type\": \"BertNormalizer\", \"clean_text\": true, \"handle_chinese_chars\": true, "
                + "\"strip_accents\": null, \"lowercase\": true}");
        assertEquals("hello world", bert.normalize("Hello\u0000\t\u200bWorld\uFFFD"), "NUL, U+FFFD, Cf dropped; tab is a space");
        assertEquals("a b c d", bert.normalize("a\u2028b\u2029c\u00a0d"), "line / paragraph separators and NBSP are whitespace");
        assertEquals("ab", bert.normalize("a\u0085b"), "U+0085 is a control character first, so it is dropped");
        assertEquals("a\u0378b", bert.normalize("a\u0378b\uE000"), "unassigned code points stay, private use goes (checked with the oracle)");
        assertEquals(" 窯  火 ", bert.normalize("窯火"));
        assertEquals("\uD86E\uDC20 \uD86E\uDD20 ", bert.normalize("\uD86E\uDC20\uD86E\uDD20"),
                "tokenizers' Extension E range starts at U+2B920: U+2B820 is not padded");
        assertEquals("cafe naive", bert.normalize("Café NAÏVE"), "strip_accents follows lowercase");
        assertEquals("σοφοσ", bert.normalize("ΣΟΦΟΣ"), "per-character lowercase: final sigma is σ, not ς");
        TextNormalizer cased = normalizer("{\"type\": \"BertNormalizer\", \"lowercase\": false}");
        assertEquals("Café", cased.normalize("Café"));
        TextNormalizer stripOnly = normalizer("{\"type\": \"BertNormalizer\", \"lowercase\": false, \"strip_accents\": true}");
        assertEquals("Cafe", stripOnly.normalize("Café"));
    }

    @Test
    void unicodeForms() {
        assertEquals("é", normalizer("{\"type\": \"NFC\"}").normalize("e\u0301"));
        assertEquals("e\u0301", normalizer("{\"type\": \"NFD\"}").normalize("é"));
        assertEquals("fi2", normalizer("{\"type\": \"NFKC\"}").normalize("ﬁ²"));
        assertEquals("fi2", normalizer("{\"type\": \"NFKD\"}").normalize("ﬁ²"));
    }

    @Test
    void lowercaseIsPerCharacter() {
        TextNormalizer lower = normalizer("{\"type\": \"Lowercase\"}");
        assertEquals("i\u0307stanbul σσ", lower.normalize("İSTANBUL ΣΣ"), "İ becomes i + combining dot, Σ always σ");
        assertEquals("abc", lower.normalize("abc"));
    }

    @Test
    void stripAccentsStripPrependReplace() {
        TextNormalizer strip = normalizer("{\"type\": \"StripAccents\"}");
        assertEquals("Creme", strip.normalize("Cre\u0300me"));
        assertEquals("Crème", strip.normalize("Crème"), "no decomposition: a precomposed è stays (NFD goes first in real files)");
        assertEquals("क", strip.normalize("का"), "every mark goes, spacing ones (Mc) too");
        assertEquals("x  ", normalizer("{\"type\": \"Strip\", \"strip_left\": true, \"strip_right\": false}").normalize("\u2028 x  "));
        assertEquals("x", normalizer("{\"type\": \"Strip\", \"strip_left\": true, \"strip_right\": true}").normalize(" \tx\u3000"));
        TextNormalizer prepend = normalizer("{\"type\": \"Prepend\", \"prepend\": \"▁\"}");
        assertEquals("▁hi", prepend.normalize("hi"));
        assertEquals("", prepend.normalize(""), "nothing is prepended to empty text");
        assertEquals("a▁b▁▁c", normalizer("{\"type\": \"Replace\", \"pattern\": {\"String\": \" \"}, \"content\": \"▁\"}").normalize("a b  c"));
        assertEquals("a b c", normalizer("{\"type\": \"Replace\", \"pattern\": {\"Regex\": \"\\\\s+\"}, \"content\": \" \"}").normalize("a \n b\t\tc"));
        assertEquals("$1.", normalizer("{\"type\": \"Replace\", \"pattern\": {\"String\": \".\"}, \"content\": \"$1.\"}").normalize("."),
                "the content is literal text");
    }

    @Test
    void sequenceRunsInOrder() {
        TextNormalizer llama2 = normalizer("{\"type\": \"Sequence\", \"normalizers\": [{\"type\": \"Prepend\", \"prepend\": \"▁\"}, "
                + "{\"type\": \"Replace\", \"pattern\": {\"String\": \" \"}, \"content\": \"▁\"}]}");
        assertEquals("▁Hello▁world", llama2.normalize("Hello world"));
        assertEquals("Ġa", normalizer("{\"type\": \"ByteLevel\"}").normalize(" a"));
    }

    @Test
    void unknownTypesAreRefusedByName() {
        ConfigException e = assertThrows(ConfigException.class, () -> normalizer("{\"type\": \"Nmt\"}"));
        assertTrue(e.getMessage().contains("test.json") && e.getMessage().contains("normalizer type 'Nmt' is not supported")
                && e.getMessage().contains("BertNormalizer"), e.getMessage());
        ConfigException p = assertThrows(ConfigException.class,
                () -> normalizer("{\"type\": \"Precompiled\", \"precompiled_charsmap\": \"AQAAAA==\"}"));
        assertTrue(p.getMessage().contains("precompiled_charsmap") && p.getMessage().contains("trie size"), p.getMessage());
        assertEquals("x", normalizer("{\"type\": \"Precompiled\", \"precompiled_charsmap\": null}").normalize("x"));
    }

    /**
     * A hand-built double-array trie with one key, "a" → "b": the root's offset is 1, so "a" (0x61) is
     * unit 1 ^ 0x61 = 96, whose offset 1 leads to its value at unit 97 (0: the first replacement string).
     */
    @Test
    void precompiledCharsMap() {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4 + 400 + 2).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        int[] units = new int[100];
        units[0] = 1 << 10;
        units[96] = 'a' | (1 << 8) | (1 << 10);
        units[97] = 0;
        b.putInt(400);
        for (int u : units) b.putInt(u);
        b.put((byte) 'b').put((byte) 0);
        String map = java.util.Base64.getEncoder().encodeToString(b.array());
        TextNormalizer p = normalizer("{\"type\": \"Precompiled\", \"precompiled_charsmap\": \"" + map + "\"}");
        assertEquals("xbyb", p.normalize("xaya"));
        assertEquals("cd", p.normalize("cd"));
        assertEquals("b", p.normalize("a\u0301"), "a short grapheme whose prefix has an entry is replaced whole, as Hugging Face does");
    }
}
