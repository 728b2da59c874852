package dev.kiln.runtime.tokenizer;

import dev.kiln.api.tokenizer.Tokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** Byte-level BPE on the committed small vocabulary, against gpt-3-encoder's reference ids. */
class BpeTokenizerTest {
    static final Path SMALL = Fixtures.resource("small-bpe");

    static Tokenizer small() throws IOException {
        return TokenizerSpec.standard().read(SMALL.resolve("tokenizer.json"));
    }

    @Test
    void tokenizerJsonGivesTheReferenceIds() throws IOException {
        check(small());
    }

    @Test
    void gpt2StyleFilesGiveTheSameIds() throws IOException {
        check(BpeFiles.readGpt2(SMALL.resolve("encoder.json"), SMALL.resolve("vocab.bpe")));
    }

    private static void check(Tokenizer t) throws IOException {
        var cases = Fixtures.reference(Fixtures.resource("small-bpe-reference.json"));
        assertEquals(16, cases.size());
        for (var c : cases) {
            int[] ids = t.encode(c.text());
            assertArrayEquals(c.ids(), ids, () -> Gpt2ReferenceTest.quote(c.text()) + ": expected " + Arrays.toString(c.ids())
                    + " got " + Arrays.toString(ids));
            assertEquals(c.text(), t.decode(ids));
            assertArrayEquals(c.ids(), t.encode(c.text()), "the cached result is the same");
        }
    }

    @Test
    void anyUtf8RoundTrips() throws IOException {
        Tokenizer t = small();
        for (String s : List.of("", " ", "\n", "  \n\n \t\r\n  ", "👩‍👩‍👧‍👦🇯🇵👍🏽", "e\u0301\u0302\u0303", "漢字かなカナ한국어",
                "a\u0000b\u001fc\u007f", "\uFEFF\u0085\u2028", "x".repeat(5000), " ".repeat(3000) + "y", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝟙𝟚𝟛"))
            assertEquals(s, t.decode(t.encode(s)), () -> "round trip of " + Gpt2ReferenceTest.quote(s));
        Random r = new Random(7);
        for (int n = 0; n < 300; n++) {
            StringBuilder b = new StringBuilder();
            int len = r.nextInt(40);
            for (int i = 0; i < len; i++) {
                int cp;
                do {
                    cp = switch (r.nextInt(4)) {
                        case 0 -> r.nextInt(128);
                        case 1 -> 0x80 + r.nextInt(0x800);
                        case 2 -> r.nextInt(0x10000);
                        default -> 0x10000 + r.nextInt(0x100000);
                    };
                } while (cp >= 0xD800 && cp <= 0xDFFF);
                b.appendCodePoint(cp);
            }
            String s = b.toString();
            assertEquals(s, t.decode(t.encode(s)), () -> "round trip of " + s.codePoints().mapToObj(Integer::toHexString).toList());
        }
    }

    @Test
    void specialTokensAreTextWhenEncodedAndNamesWhenDecoded() throws IOException {
        Tokenizer t = small();
        assertEquals(0, t.requireSpecial(Tokenizer.EOS));
        assertEquals(2, t.requireSpecial(Tokenizer.MASK));
        assertArrayEquals(new int[] {0}, t.encode("<|endoftext|>"));
        int[] ids = SpecialTokenSplitting.apply(t, true).encode("<|endoftext|>");
        assertTrue(ids.length > 1 && Arrays.stream(ids).noneMatch(t::isSpecial), Arrays.toString(ids));
        int[] hi = t.encode("hi");
        int[] withEos = new int[] {hi[0], 0, hi[hi.length - 1], 5};
        assertEquals(t.decode(new int[] {hi[0]}) + "<|endoftext|>" + t.decode(new int[] {hi[hi.length - 1]}) + "[UNK]", t.decode(withEos));
        assertEquals(t.decode(new int[] {hi[0], hi[hi.length - 1]}), t.decode(withEos, true));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.decode(new int[] {5, 512}));
        assertTrue(e.getMessage().contains("512") && e.getMessage().contains("position 1"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> t.decode(new int[] {-1}));
        assertEquals(512, t.vocabSize());
    }

    @Test
    void splitUtf8AcrossTokensDecodesWithReplacement() throws IOException {
        Tokenizer t = small();
        int[] ids = t.encode("𝔘");                 // four bytes, not all merged in the small vocabulary
        assertTrue(ids.length > 1, Arrays.toString(ids));
        assertEquals("\uFFFD", t.decode(Arrays.copyOf(ids, 1)));
        assertEquals("𝔘", t.decode(ids));
    }

    @Test
    void longPiecesMergeAsTheShortLoopDoes() throws IOException {
        BpeTokenizer t = BpeFiles.readGpt2(SMALL.resolve("encoder.json"), SMALL.resolve("vocab.bpe"));
        Random r = new Random(3);
        String[] parts = {"glu", "ing", "the", "kiln", "e", "s", "d", " ", "!"};
        for (int n = 0; n < 200; n++) {
            StringBuilder b = new StringBuilder();
            while (b.length() < 65 + r.nextInt(200)) b.append(parts[r.nextInt(parts.length - 2)]);
            byte[] bytes = b.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
            int[] viaHeap = LongWordMerger.merge(mergeTable(t), t.model().byteIds(bytes));
            int[] viaLoop = shortLoop(t, bytes);
            assertArrayEquals(viaLoop, viaHeap, b::toString);
        }
    }

    /** GPT-2's merge-all-occurrences loop (BpeModel's short-piece path), run directly on a long piece. */
    private static int[] shortLoop(BpeTokenizer t, byte[] bytes) {
        int[] sym = t.model().byteIds(bytes);
        MergeTable table = mergeTable(t);
        int len = sym.length;
        while (len > 1) {
            int best = Integer.MAX_VALUE, a = 0, b = 0, merged = 0;
            for (int i = 0; i < len - 1; i++) {
                int s = table.find(sym[i], sym[i + 1]);
                if (s >= 0 && table.rank(s) < best) { best = table.rank(s); a = sym[i]; b = sym[i + 1]; merged = table.merged(s); }
            }
            if (best == Integer.MAX_VALUE) break;
            int w = 0;
            for (int i = 0; i < len; ) {
                if (i < len - 1 && sym[i] == a && sym[i + 1] == b) { sym[w++] = merged; i += 2; } else sym[w++] = sym[i++];
            }
            len = w;
        }
        return Arrays.copyOf(sym, len);
    }

    private static MergeTable mergeTable(BpeTokenizer t) {
        var merges = t.model().merges();
        MergeTable table = new MergeTable(merges.size());
        for (int i = 0; i < merges.size(); i++) {
            var m = merges.get(i);
            table.put(t.model().id(m.left()), t.model().id(m.right()), i, t.model().id(m.left() + m.right()));
        }
        return table;
    }

    @Test
    void savesAsHuggingFaceJsonAndLoadsBack(@TempDir Path dir) throws IOException {
        Tokenizer t = small();
        TokenizerSpec.standard().save(t, dir);
        String json = Files.readString(dir.resolve("tokenizer.json"));
        assertTrue(json.contains("\"type\": \"BPE\"") && json.contains("\"ByteLevel\"") && !json.contains("\"type\": \"bpe\""), json.substring(0, 300));
        Tokenizer back = TokenizerSpec.standard().load(dir);
        String text = "Gluing the kiln's pots: 1,412 pages — 窯 🔥";
        assertArrayEquals(t.encode(text), back.encode(text));
        assertEquals(t.specialTokens(), back.specialTokens());
        assertEquals(Files.readString(SMALL.resolve("tokenizer.json")), json, "writing is stable");
    }

    @Test
    void readsHuggingFaceVariants(@TempDir Path dir) throws IOException {
        String base = Files.readString(SMALL.resolve("tokenizer.json"));
        // merges as pairs (tokenizers >= 0.20), a non-special added token, add_prefix_space
        String pairs = base.replaceAll("(?m)^      \"([^\"\\s]+) ([^\"\\s]+)\"(,?)$", "      [\"$1\", \"$2\"]$3")
                .replace("\"add_prefix_space\": false,\n    \"trim_offsets\": true,\n    \"use_regex\": true\n  },\n  \"post_processor\"",
                        "\"add_prefix_space\": true,\n    \"trim_offsets\": true,\n    \"use_regex\": true\n  },\n  \"post_processor\"")
                .replace("\"added_tokens\": [\n    {", "\"added_tokens\": [\n    {\"id\": 600, \"content\": \"<kiln>\", \"special\": false},\n    {");
        assertNotEquals(base, pairs);
        Files.writeString(dir.resolve("tokenizer.json"), pairs);
        Tokenizer t = TokenizerSpec.standard().load(dir);
        Tokenizer plain = small();
        assertEquals(601, t.vocabSize());
        int[] ids = t.encode("the<kiln>fire");
        // Hugging Face's ByteLevel adds the prefix space to each stretch of text between added tokens
        int[] expected = concat(plain.encode(" the"), new int[] {600}, plain.encode(" fire"));
        assertArrayEquals(expected, ids, Arrays.toString(ids));
        assertEquals(" the<kiln> fire", t.decode(ids));
        assertFalse(t.isSpecial(600));
    }

    @Test
    void splitPreTokenizerWithTheGpt2RegexGivesTheReferenceIds(@TempDir Path dir) throws IOException {
        String regex = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";
        var json = new java.util.LinkedHashMap<>(HfJson.readObject(SMALL.resolve("tokenizer.json")));
        json.put("pre_tokenizer", Map.of("type", "Sequence", "pretokenizers", List.of(
                Map.of("type", "Split", "pattern", Map.of("Regex", regex), "behavior", "Isolated", "invert", false),
                Map.of("type", "ByteLevel", "add_prefix_space", false, "trim_offsets", true, "use_regex", false))));
        Files.writeString(dir.resolve("tokenizer.json"), HfJson.write(json));
        Tokenizer t = TokenizerFiles.load(dir);
        for (var c : Fixtures.reference(Fixtures.resource("small-bpe-reference.json")))
            assertArrayEquals(c.ids(), t.encode(c.text()), () -> Gpt2ReferenceTest.quote(c.text()));
    }

    static int[] concat(int[]... parts) {
        return Arrays.stream(parts).flatMapToInt(Arrays::stream).toArray();
    }
}
