package dev.kiln.runtime.data.prepared;

import dev.kiln.api.data.Dataset;
import dev.kiln.api.data.Example;
import dev.kiln.api.data.TokenDocuments;
import dev.kiln.runtime.data.TextCorpus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.*;

/** What goes into the shards comes back out: the same documents, token for token, across shard boundaries. */
class PreparedCorpusRoundTripTest {

    static String corpus(int docs, int seed) {
        java.util.Random r = new java.util.Random(seed);
        StringBuilder sb = new StringBuilder();
        for (int d = 0; d < docs; d++) {
            if (d > 0) sb.append("\n\n\n");
            int lines = 1 + r.nextInt(6);
            for (int l = 0; l < lines; l++) {
                if (l > 0) sb.append(r.nextInt(4) == 0 ? "\n\n" : "\n");
                sb.append("doc ").append(d).append(" line ").append(l).append(" é ").append("x".repeat(r.nextInt(300)));
            }
        }
        return sb.toString();
    }

    @Test
    void textDocumentsComeBackTokenForTokenAcrossShards(@TempDir Path tmp) throws Exception {
        Path src = tmp.resolve("c.txt");
        Files.writeString(src, corpus(200, 1));
        PreparedManifest m = Prepared.prepare(tmp.resolve("out"), Prepared.settings(List.of(src), 0, 1024));
        Dataset expected = TextCorpus.read(src);
        PreparedCorpus corpus = PreparedCorpus.open(tmp.resolve("out"));
        Dataset train = corpus.dataset("train", Prepared.BYTES);
        TokenDocuments docs = train.tokens();
        assertEquals(expected.size(), docs.documentCount());
        assertTrue(m.splits().get("train").tokens() > 10 * 1024, "several shards: " + m.splits());
        assertEquals(2, m.width(), "a 262-id vocabulary fits uint16");
        long offset = 0;
        for (int d = 0; d < expected.size(); d++) {
            int[] want = Prepared.BYTES.encode(expected.examples().get(d).text());
            assertEquals(offset, docs.start(d), "boundary of document " + d);
            assertArrayEquals(want, docs.document(d), "document " + d);
            assertEquals(expected.examples().get(d).text(), train.examples().get(d).text(), "decoded document " + d);
            offset += want.length;
        }
        assertEquals(offset, docs.tokenCount());
        int[] across = new int[3000];                       // one read spanning three shards equals the documents concatenated
        docs.read(1000, across, 0, across.length);
        int[] all = new int[(int) docs.tokenCount()];
        docs.read(0, all, 0, all.length);
        assertArrayEquals(java.util.Arrays.copyOfRange(all, 1000, 4000), across);
        assertEquals(Files.size(src), m.sources().get(0).bytes());
        assertEquals(sha256(src), m.sources().get(0).sha256());
    }

    @Test
    void splitsByDocumentsDeterministically(@TempDir Path tmp) throws Exception {
        Path src = tmp.resolve("c.txt");
        Files.writeString(src, corpus(400, 2));
        PreparedManifest a = Prepared.prepare(tmp.resolve("a"), Prepared.settings(List.of(src), 0.25, 4096));
        PreparedManifest b = Prepared.prepare(tmp.resolve("b"), Prepared.settings(List.of(src), 0.25, 4096));
        long val = a.splits().get("validation").documents(), train = a.splits().get("train").documents();
        assertEquals(400, val + train);
        assertTrue(val > 60 && val < 140, "about a quarter held out: " + val);
        assertEquals(a.splits(), b.splits());
        assertArrayEquals(Files.readAllBytes(tmp.resolve("a/validation.idx")), Files.readAllBytes(tmp.resolve("b/validation.idx")));
        Dataset held = PreparedCorpus.open(tmp.resolve("a")).dataset("validation", Prepared.BYTES);
        List<String> all = TextCorpus.read(src).examples().stream().map(Example::text).toList();
        for (Example e : held.examples()) assertTrue(all.contains(e.text()), "a held-out document is a whole source document");
    }

    @Test
    void oneWholeFileDocumentHoldsOutItsTail(@TempDir Path tmp) throws Exception {
        Path src = tmp.resolve("play.txt");
        Files.writeString(src, "line one\n".repeat(1000));
        var s = new CorpusPreparer.Settings(List.of(src), List.of(), null, "text", TextCorpus.WHOLE_FILE, 0.1, 7, 1 << 20, 2);
        PreparedManifest m = Prepared.prepare(tmp.resolve("out"), s);
        assertEquals(1, m.splits().get("train").documents());
        assertEquals(1, m.splits().get("validation").documents());
        assertEquals(900 * 9 - 1, m.splits().get("train").tokens(), "the lines before character 8,100, trailing newline trimmed");
    }

    @Test
    void jsonlGzAndTsvFieldsAndGlobs(@TempDir Path tmp) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("src"));
        try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(dir.resolve("a.jsonl.gz")))) {
            o.write("{\"body\": \"first\", \"id\": 1}\n\n{\"body\": \"second\\nline\"}\n".getBytes(StandardCharsets.UTF_8));
        }
        Files.writeString(dir.resolve("b.jsonl"), "{\"body\": \"third\"}\n");
        var s = new CorpusPreparer.Settings(List.of(dir.resolve("a.jsonl.gz"), dir.resolve("b.jsonl")), List.of(), null, "body",
                TextCorpus.DEFAULT_SEPARATOR, 0, 7, 1024, 1);
        Prepared.prepare(tmp.resolve("j"), s);
        Dataset d = PreparedCorpus.open(tmp.resolve("j")).dataset("train", Prepared.BYTES);
        assertEquals(List.of("first", "second\nline", "third"), d.examples().stream().map(Example::text).toList());

        Files.writeString(dir.resolve("t.tsv"), "label\tsentence\n1\tgood film\n0\ta \\t tab\n");
        var t = new CorpusPreparer.Settings(List.of(dir.resolve("t.tsv")), List.of(), null, "sentence", TextCorpus.DEFAULT_SEPARATOR, 0, 7, 1024, 1);
        Prepared.prepare(tmp.resolve("t"), t);
        assertEquals(List.of("good film", "a \t tab"),
                PreparedCorpus.open(tmp.resolve("t")).dataset("train", Prepared.BYTES).examples().stream().map(Example::text).toList());

        var missing = new CorpusPreparer.Settings(List.of(dir.resolve("b.jsonl")), List.of(), null, "text", TextCorpus.DEFAULT_SEPARATOR, 0, 7, 1024, 1);
        var e = assertThrows(java.io.IOException.class, () -> Prepared.prepare(tmp.resolve("m"), missing));
        assertTrue(e.getMessage().contains("b.jsonl:1") && e.getMessage().contains("missing field 'text'"), e.getMessage());
    }

    @Test
    void idsBeyondUint16GoToUint32Shards(@TempDir Path tmp) throws Exception {
        Path src = tmp.resolve("c.txt");
        Files.writeString(src, "abc\n\n\ndéf");
        var tok = Prepared.wide();
        PreparedManifest m = new CorpusPreparer(tok, "sha256:wide", Prepared.settings(List.of(src), 0, 1024), null).prepare(tmp.resolve("out"));
        assertEquals("uint32", m.dtype());
        Dataset d = PreparedCorpus.open(tmp.resolve("out")).dataset("train", tok);
        assertArrayEquals(tok.encode("déf"), d.tokens().document(1));
        assertEquals(ShardFiles.HEADER + 6L * 4, Files.size(tmp.resolve("out/train-00000.bin")));
    }

    @Test
    void aLongDocumentIsReadInPiecesButStaysOneDocument(@TempDir Path tmp) throws Exception {
        Path src = tmp.resolve("long.txt");
        String line = "0123456789".repeat(10) + "\n";
        Files.writeString(src, "short\n\n\n" + line.repeat(30_000) + "\n\n\nafter");
        Prepared.prepare(tmp.resolve("out"), Prepared.settings(List.of(src), 0, 1 << 20));
        Dataset d = PreparedCorpus.open(tmp.resolve("out")).dataset("train", Prepared.BYTES);
        assertEquals(3, d.tokens().documentCount());
        assertEquals(line.length() * 30_000L - 1, d.tokens().documentCount() == 3 ? d.tokens().length(1) : -1);
        assertEquals("after", d.examples().get(2).text());
    }

    static String sha256(Path p) throws Exception {
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)));
    }

    static List<Integer> ints(int[] a) {
        List<Integer> l = new ArrayList<>();
        for (int x : a) l.add(x);
        return l;
    }
}
