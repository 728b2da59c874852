package dev.kiln.runtime.tokenizer;

import dev.kiln.api.tokenizer.Tokenizer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class ByteTokenizerTest {
    final ByteTokenizer tok = new ByteTokenizer();

    static int[] ids(int... b) { return b; }

    @Test
    void bytesAreIdsAndSpecialsFollow() {
        assertEquals(262, tok.vocabSize());
        assertArrayEquals(new int[] {'h', 'i'}, tok.encode("hi"));
        assertArrayEquals(new int[] {0xC3, 0xA9}, tok.encode("é"));
        assertEquals(256, tok.requireSpecial(Tokenizer.EOS));
        assertEquals(257, tok.requireSpecial(Tokenizer.PAD));
        assertEquals(258, tok.requireSpecial(Tokenizer.MASK));
        assertEquals(259, tok.requireSpecial(Tokenizer.CLS));
        assertEquals(260, tok.requireSpecial(Tokenizer.SEP));
        assertEquals(261, tok.requireSpecial(Tokenizer.UNK));
        assertTrue(tok.isSpecial(256));
        assertFalse(tok.isSpecial(255));
    }

    @Test
    void specialTokenTextIsItsIdOrPlainBytesWhenSplit() {
        assertArrayEquals(new int[] {256}, tok.encode("<|endoftext|>"));
        assertEquals("<|endoftext|>".length(), tok.withSplitSpecialTokens(true).encode("<|endoftext|>").length);
    }

    @Test
    void roundTripsAnyUtf8Text() {
        String[] texts = {"", "plain ascii", "naïve café — “quotes”", "日本語のテキスト", "emoji 🎉👩‍👩‍👧 and 𝄞",
                "tabs\tand\nnewlines\r\n", "\u0000nul"};
        for (String t : texts) assertEquals(t, tok.decode(tok.encode(t)), t);
    }

    @Test
    void rendersOrSkipsSpecials() {
        int[] ids = {'a', 256, 'b', 257};
        assertEquals("a<|endoftext|>b[PAD]", tok.decode(ids));
        assertEquals("ab", tok.decode(ids, true));
        int[] split = {0xC3, 256, 0xA9};        // a special inside a multi-byte character breaks it
        assertEquals("\uFFFD<|endoftext|>\uFFFD", tok.decode(split));
    }

    @Test
    void invalidUtf8BecomesReplacementCharactersLikePython() {
        // expected values from Python: bytes([...]).decode("utf-8", errors="replace")
        assertEquals("\uFFFD", tok.decode(ids(0xFF)));
        assertEquals("a\uFFFDb", tok.decode(ids('a', 0x80, 'b')));
        assertEquals("\uFFFD", tok.decode(ids(0xE2, 0x82)));                 // truncated 3-byte: one U+FFFD
        assertEquals("\uFFFDa", tok.decode(ids(0xE2, 0x82, 'a')));
        assertEquals("\uFFFD\uFFFD\uFFFD", tok.decode(ids(0xED, 0xA0, 0x80))); // surrogate: three
        assertEquals("\uFFFD\uFFFD", tok.decode(ids(0xC0, 0xAF)));            // overlong: two
        assertEquals("\uFFFD\uFFFD\uFFFD\uFFFD", tok.decode(ids(0xF4, 0x90, 0x80, 0x80))); // > U+10FFFF
        assertEquals("\uFFFD", tok.decode(ids(0xF0, 0x9F, 0x8E)));            // truncated emoji
        assertEquals("€", tok.decode(ids(0xE2, 0x82, 0xAC)));
    }

    /** Random byte strings and what CPython 3 returns for {@code bytes.fromhex(h).decode("utf-8", "replace")}. */
    static final String[][] PYTHON = {
            {"edede29f", "\uFFFD\uFFFD\uFFFD"},
            {"9f9f9f2082f0", "\uFFFD\uFFFD\uFFFD \uFFFD\uFFFD"},
            {"f0e212e2f0ede2", "\uFFFD\uFFFD\u0012\uFFFD\uFFFD\uFFFD\uFFFD"},
            {"eded9fc482e2d2f0", "\uFFFD\uFFFD\u0102\uFFFD\uFFFD\uFFFD"},
            {"ed9fede281f0", "\uFFFD\uFFFD\uFFFD\uFFFD"},
            {"9fe282f0ed", "\uFFFD\uFFFD\uFFFD\uFFFD"},
            {"9ff0ed82eae0e2", "\uFFFD\uFFFD\uFFFD\uFFFD\uFFFD\uFFFD"},
            {"9fede2e2e282e282", "\uFFFD\uFFFD\uFFFD\uFFFD\uFFFD\uFFFD"},
            {"ed899f", "\uD25F"},
            {"ed9f82e2e2b9", "\uD7C2\uFFFD\uFFFD"},
            {"82e2ede2e2f0f0", "\uFFFD\uFFFD\uFFFD\uFFFD\uFFFD\uFFFD\uFFFD"},
            {"f0efed82", "\uFFFD\uFFFD\uFFFD"},
            {"eda6e2a1c3e67b91", "\uFFFD\uFFFD\uFFFD\uFFFD\uFFFD{\uFFFD"},   // the JDK's decoder gives four U+FFFD before '{' here
    };

    @Test
    void matchesPythonOnRandomInvalidBytes() {
        for (String[] c : PYTHON) {
            byte[] b = java.util.HexFormat.of().parseHex(c[0]);
            int[] ids = new int[b.length];
            for (int i = 0; i < b.length; i++) ids[i] = b[i] & 0xFF;
            assertEquals(c[1], tok.decode(ids), c[0]);
        }
    }

    @Test
    void randomValidTextRoundTripsAndRandomBytesNeverThrow() {
        java.util.Random r = new java.util.Random(5);
        for (int trial = 0; trial < 2000; trial++) {
            StringBuilder sb = new StringBuilder();
            for (int i = r.nextInt(10); i > 0; i--) {
                int cp = r.nextInt(0x110000);
                if (cp >= 0xD800 && cp <= 0xDFFF) cp = 'x';
                sb.appendCodePoint(cp);
            }
            assertEquals(sb.toString(), tok.decode(tok.encode(sb.toString())));
            int[] junk = new int[r.nextInt(12)];
            for (int i = 0; i < junk.length; i++) junk[i] = r.nextInt(256);
            String s = tok.decode(junk);
            assertEquals(s, new String(s.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8), "decode output is valid text");
        }
    }

    @Test
    void unknownIdsAreErrorsNamingThePosition() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> tok.decode(ids('a', 999)));
        assertTrue(e.getMessage().contains("999") && e.getMessage().contains("position 1"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> tok.decode(ids(-1)));
    }

    @Test
    void customSpecialsAreValidated() {
        ByteTokenizer t = new ByteTokenizer(Map.of("<s>", 256, "</s>", 300));
        assertEquals(301, t.vocabSize());
        assertThrows(IllegalArgumentException.class, () -> t.decode(ids(280)), "gaps are not ids");
        assertThrows(IllegalArgumentException.class, () -> new ByteTokenizer(Map.of("x", 65)));
        assertThrows(IllegalArgumentException.class, () -> new ByteTokenizer(Map.of("x", 256, "y", 256)));
    }
}
