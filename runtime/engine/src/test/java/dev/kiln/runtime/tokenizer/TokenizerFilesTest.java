package dev.kiln.runtime.tokenizer;

import dev.kiln.api.tokenizer.Tokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** What {@link TokenizerFiles#load} accepts: files and directories of every supported layout. */
class TokenizerFilesTest {
    static final Path SMALL = Fixtures.resource("small-bpe");
    static final String TEXT = "The kiln's glaze, 1998 — 窯 🔥";

    @Test
    void everyBpeLayoutGivesTheSameTokenizer(@TempDir Path dir) throws IOException {
        int[] expected = TokenizerFiles.load(SMALL.resolve("tokenizer.json")).encode(TEXT);
        assertArrayEquals(expected, TokenizerFiles.load(SMALL).encode(TEXT), "a directory with tokenizer.json");
        assertArrayEquals(expected, TokenizerFiles.load(SMALL.resolve("encoder.json")).encode(TEXT));
        assertArrayEquals(expected, TokenizerFiles.load(SMALL.resolve("vocab.bpe")).encode(TEXT));

        Path hf = Files.createDirectories(dir.resolve("hf"));                 // transformers' slow-tokenizer names
        Files.copy(SMALL.resolve("encoder.json"), hf.resolve("vocab.json"));
        Files.copy(SMALL.resolve("vocab.bpe"), hf.resolve("merges.txt"));
        Tokenizer t = TokenizerFiles.load(hf);
        assertArrayEquals(expected, t.encode(TEXT));
        assertEquals(0, t.requireSpecial(Tokenizer.EOS), "<|endoftext|> is special when the vocabulary has it");
        assertArrayEquals(expected, TokenizerFiles.load(hf.resolve("merges.txt")).encode(TEXT));
    }

    @Test
    void wordPieceLayouts() throws IOException {
        Path vocab = Fixtures.resource("wordpiece/vocab.txt");
        assertInstanceOf(WordPieceTokenizer.class, TokenizerFiles.load(vocab));
        assertInstanceOf(WordPieceTokenizer.class, TokenizerFiles.load(vocab.getParent()));
        assertArrayEquals(new int[] {22}, TokenizerFiles.load(vocab).encode("CAFÉ"), "vocab.txt alone loads uncased");
    }

    @Test
    void nothingThereIsAClearError(@TempDir Path dir) throws IOException {
        IOException empty = assertThrows(IOException.class, () -> TokenizerFiles.load(dir));
        assertTrue(empty.getMessage().contains(dir.toString()) && empty.getMessage().contains("tokenizer.json")
                && empty.getMessage().contains("vocab.txt"), empty.getMessage());
        IOException missing = assertThrows(IOException.class, () -> TokenizerFiles.load(dir.resolve("nope.json")));
        assertTrue(missing.getMessage().contains("nope.json"), missing.getMessage());
    }
}
