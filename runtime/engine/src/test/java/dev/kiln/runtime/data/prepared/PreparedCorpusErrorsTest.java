package dev.kiln.runtime.data.prepared;

import dev.kiln.api.data.Dataset;
import dev.kiln.runtime.data.DataFileException;
import dev.kiln.runtime.tokenizer.TokenizerSpec;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Damaged or mismatched prepared corpora are refused with an error naming the file and what was expected. */
class PreparedCorpusErrorsTest {
    @TempDir
    Path tmp;
    Path out;

    @BeforeEach
    void prepare() throws Exception {
        Path src = tmp.resolve("c.txt");
        Files.writeString(src, PreparedCorpusRoundTripTest.corpus(50, 3));
        out = tmp.resolve("out");
        Prepared.prepare(out, Prepared.settings(List.of(src), 0, 2048));
    }

    private Dataset open() throws IOException {
        return PreparedCorpus.open(out).dataset("train", Prepared.BYTES);
    }

    @Test
    void aTruncatedShardIsRefusedNamingIt() throws Exception {
        Path shard = out.resolve("train-00001.bin");
        try (RandomAccessFile f = new RandomAccessFile(shard.toFile(), "rw")) { f.setLength(f.length() - 10); }
        DataFileException e = assertThrows(DataFileException.class, this::open);
        assertEquals(shard, e.file());
        assertTrue(e.getMessage().contains("truncated: expected " + (ShardFiles.HEADER + 2048 * 2)), e.getMessage());
    }

    @Test
    void aMissingShardIsRefusedNamingIt() throws Exception {
        Files.delete(out.resolve("train-00002.bin"));
        DataFileException e = assertThrows(DataFileException.class, this::open);
        assertTrue(e.getMessage().startsWith(out.resolve("train-00002.bin") + ": missing"), e.getMessage());
    }

    @Test
    void aForeignFileIsRefusedByItsMagic() throws Exception {
        Path shard = out.resolve("train-00000.bin");
        try (RandomAccessFile f = new RandomAccessFile(shard.toFile(), "rw")) { f.write("NOTKILN!".getBytes()); }
        DataFileException e = assertThrows(DataFileException.class, this::open);
        assertTrue(e.getMessage().contains("not a Kiln prepared-corpus file: expected magic 'KILNTOK1', found 'NOTKILN!'"), e.getMessage());
    }

    @Test
    void aDisorderedDocumentIndexIsRefused() throws Exception {
        Path idx = out.resolve("train.idx");
        try (RandomAccessFile f = new RandomAccessFile(idx.toFile(), "rw")) {
            f.seek(ShardFiles.HEADER + 8L * 3);
            f.write(new byte[] {1, 0, 0, 0, 0, 0, 0, 0});                 // document 2 ends at token 1, before document 1 does
        }
        DataFileException e = assertThrows(DataFileException.class, this::open);
        assertTrue(e.getMessage().startsWith(idx + ": corrupt: document 2 ends at token 1"), e.getMessage());
    }

    @Test
    void aTokenOutsideTheVocabularyIsRefusedWhenRead() throws Exception {
        Path shard = out.resolve("train-00000.bin");
        try (RandomAccessFile f = new RandomAccessFile(shard.toFile(), "rw")) {
            f.seek(ShardFiles.HEADER + 2 * 5);
            f.write(new byte[] {(byte) 0xFF, (byte) 0xFF});
        }
        Dataset d = open();
        int[] buf = new int[10];
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> d.tokens().read(0, buf, 0, 10));
        assertTrue(e.getCause().getMessage().startsWith(shard + ": corrupt: token 5 is id 65535, outside the tokenizer's vocabulary of 262"),
                e.getCause().getMessage());
    }

    @Test
    void anotherTokenizerIsRefusedNamingBoth() throws Exception {
        var bpe = TokenizerSpec.standard().create("byte");
        PreparedCorpus c = PreparedCorpus.open(out);
        c.checkTokenizer(bpe, TokenizerSpec.standard().fingerprint(bpe));           // the same one passes
        IOException e = assertThrows(IOException.class, () -> c.checkTokenizer(Prepared.wide(), "sha256:0123456789abcdef0123"));
        assertTrue(e.getMessage().contains("prepared with tokenizer 'byte' (vocabulary 262") && e.getMessage().contains("'wide'")
                && e.getMessage().startsWith(out.toString()), e.getMessage());
    }

    @Test
    void aDirectoryWithoutManifestIsNotACorpus() throws Exception {
        Files.delete(out.resolve(PreparedManifest.FILE));
        IOException e = assertThrows(IOException.class, () -> PreparedCorpus.open(out));
        assertTrue(e.getMessage().contains("not a prepared corpus (no kiln-prepared.json"), e.getMessage());
    }

    @Test
    void preparingOverAFinishedCorpusIsRefusedAndLeavesItIntact() throws Exception {
        byte[] before = Files.readAllBytes(out.resolve("train-00000.bin"));
        IOException e = assertThrows(IOException.class,
                () -> Prepared.prepare(out, Prepared.settings(List.of(tmp.resolve("c.txt")), 0, 2048)));
        assertTrue(e.getMessage().contains("already holds a prepared corpus"), e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(out.resolve("train-00000.bin")));
    }
}
