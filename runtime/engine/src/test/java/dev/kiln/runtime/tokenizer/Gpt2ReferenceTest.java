package dev.kiln.runtime.tokenizer;

import dev.kiln.api.testing.RequiredInCi;
import dev.kiln.api.tokenizer.Tokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The real GPT-2 vocabulary (../shared/data/gpt2-bpe, never committed) against reference ids from
 * gpt-3-encoder@1.1.4 for a mixed-script text (see resources/tokenizer/README.md). Skipped when
 * the shared data is absent, failed under CI.
 */
class Gpt2ReferenceTest {

    static Path gpt2Dir() {
        var dir = Fixtures.sharedData("gpt2-bpe");
        RequiredInCi.require(dir.isPresent(), "shared/data/gpt2-bpe not found next to the clone (the real GPT-2 vocabulary test)");
        return dir.get();
    }

    @Test
    void idsMatchTheReferenceForMixedScriptText() throws IOException {
        Tokenizer gpt2 = TokenizerFiles.load(gpt2Dir());
        assertEquals(50257, gpt2.vocabSize());
        assertEquals(50256, gpt2.requireSpecial(Tokenizer.EOS));
        var cases = Fixtures.reference(Fixtures.resource("gpt2-reference.json"));
        assertTrue(cases.get(0).ids().length > 500, "the mixed-script case is the long one");
        Tokenizer asText = SpecialTokenSplitting.apply(gpt2, true);    // gpt-3-encoder has no special tokens
        for (var c : cases) {
            int[] ids = asText.encode(c.text());
            assertArrayEquals(c.ids(), ids, () -> "text " + quote(c.text()) + "\n expected " + Arrays.toString(c.ids()) + "\n got      " + Arrays.toString(ids));
            assertEquals(c.text(), gpt2.decode(ids), "round trip");
        }
    }

    @Test
    void savedAsHuggingFaceJsonItGivesTheSameIds(@TempDir Path dir) throws IOException {
        Tokenizer gpt2 = TokenizerFiles.load(gpt2Dir());
        TokenizerSpec.standard().save(gpt2, dir);
        Tokenizer back = TokenizerFiles.load(dir);
        var mixed = Fixtures.reference(Fixtures.resource("gpt2-reference.json")).get(0);
        assertArrayEquals(mixed.ids(), back.encode(mixed.text()));
        assertEquals(gpt2.specialTokens(), back.specialTokens());
    }

    @Test
    void knownIdsAndSpecialDecoding() throws IOException {
        Tokenizer gpt2 = TokenizerFiles.load(gpt2Dir());
        assertArrayEquals(new int[] {15496, 11, 995, 0}, gpt2.encode("Hello, world!"));
        assertEquals("Hello<|endoftext|>", gpt2.decode(new int[] {15496, 50256}));
        assertEquals("Hello", gpt2.decode(new int[] {15496, 50256}, true));
    }

    static String quote(String s) {
        return s.length() > 80 ? '"' + s.substring(0, 77) + "...\"" : '"' + s + '"';
    }
}
