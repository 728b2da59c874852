package dev.kiln.runtime.data;

import dev.kiln.api.config.Config;
import dev.kiln.api.data.Dataset;
import dev.kiln.api.data.Example;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class TextCorpusTest {
    @TempDir
    Path dir;

    Path write(String name, String text) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, text);
        return p;
    }

    static List<String> texts(Dataset d) {
        return d.examples().stream().map(Example::text).toList();
    }

    @Test
    void twoBlankLinesSeparateDocumentsByDefault() throws IOException {
        Path f = write("c.txt", "First doc.\n\nSecond paragraph.\n\n\nSecond doc.\n\n\n\n\nThird doc.\n");
        Dataset d = TextCorpus.read(f);
        assertEquals(List.of("First doc.\n\nSecond paragraph.", "Second doc.", "Third doc."), texts(d));
        assertEquals(f + ":1", d.examples().get(0).source());
        assertEquals(f + ":6", d.examples().get(1).source());
        assertEquals(f + ":11", d.examples().get(2).source());
        assertEquals("c.txt", d.name());
    }

    @Test
    void separatorLineAndWholeFileAndCrlf() throws IOException {
        Path f = write("s.txt", "alpha\r\n---\r\nbeta\r\n  ---\r\ngamma ---\r\n---  \r\ndelta\r\n");
        assertEquals(List.of("alpha", "beta\n  ---\ngamma ---", "delta"), texts(TextCorpus.read(f, "---")));
        assertEquals(List.of("alpha\n---\nbeta\n  ---\ngamma ---\n---  \ndelta"), texts(TextCorpus.read(f, "none")));
        Config c = new Config("data", Map.of("document_separator", "---"));
        assertEquals(3, TextCorpus.read(f, c).size());
        c.finish();
    }

    @Test
    void missingFileAndBadUtf8NameTheFileAndOffset() throws IOException {
        DataFileException missing = assertThrows(DataFileException.class, () -> TextCorpus.read(dir.resolve("nope.txt")));
        assertTrue(missing.getMessage().contains("nope.txt") && missing.getMessage().contains("not found"), missing.getMessage());

        Path bad = dir.resolve("bad.txt");
        byte[] bytes = "ok line\nsecond \u00e9 line ".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] withBad = java.util.Arrays.copyOf(bytes, bytes.length + 2);
        withBad[bytes.length] = (byte) 0xFF;
        withBad[bytes.length + 1] = 'x';
        Files.write(bad, withBad);
        DataFileException e = assertThrows(DataFileException.class, () -> TextCorpus.read(bad));
        assertTrue(e.getMessage().startsWith(bad + ":2:"), e.getMessage());
        assertTrue(e.getMessage().contains("byte offset " + bytes.length) && e.getMessage().contains("0xFF"), e.getMessage());
        assertEquals(2, e.line());
    }

    @Test
    void bomIsDropped() throws IOException {
        Path f = write("bom.txt", "\uFEFFhello");
        assertEquals(List.of("hello"), texts(TextCorpus.read(f)));
    }

    @Test
    void documentSplitIsDeterministicAndDisjoint() {
        List<Example> ex = new ArrayList<>();
        for (int i = 0; i < 50; i++) ex.add(Example.text("doc " + i, "f:" + i));
        Dataset d = new Dataset("f", ex);
        TextCorpus.Split a = TextCorpus.split(d, 0.2, 42), b = TextCorpus.split(d, 0.2, 42), c = TextCorpus.split(d, 0.2, 43);
        assertEquals(10, a.validation().size());
        assertEquals(40, a.train().size());
        assertEquals(texts(a.validation()), texts(b.validation()));
        assertNotEquals(texts(a.validation()), texts(c.validation()));
        List<String> union = new ArrayList<>(texts(a.train()));
        union.addAll(texts(a.validation()));
        assertEquals(50, union.stream().distinct().count());
        assertEquals("f/validation", a.validation().name());
        // file order kept on both sides
        List<Integer> idx = texts(a.train()).stream().map(s -> Integer.parseInt(s.substring(4))).toList();
        assertEquals(idx.stream().sorted().toList(), idx);
    }

    @Test
    void smallFractionsStillHoldOutOneAndZeroHoldsOutNone() {
        Dataset d = new Dataset("f", List.of(Example.text("a", "f:1"), Example.text("b", "f:2")));
        assertEquals(1, TextCorpus.split(d, 0.01, 1).validation().size());
        assertEquals(1, TextCorpus.split(d, 0.9, 1).train().size());
        assertEquals(0, TextCorpus.split(d, 0.0, 1).validation().size());
        assertThrows(IllegalArgumentException.class, () -> TextCorpus.split(d, 1.0, 1));
    }

    @Test
    void aSingleDocumentIsSplitAtACharacterOffsetOnALineBoundary() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 100; i++) sb.append("line number ").append(i).append('\n');
        String text = sb.toString();
        TextCorpus.Split s = TextCorpus.split(new Dataset("one", List.of(Example.text(text, "one.txt:1"))), 0.1, 7);
        String train = s.train().examples().get(0).text(), val = s.validation().examples().get(0).text();
        assertEquals(text, train + val);
        assertTrue(train.endsWith("\n"), "cut at a line start");
        assertEquals(0.1, val.length() / (double) text.length(), 0.02);
        assertTrue(s.validation().examples().get(0).source().startsWith("one.txt:1@char"));
    }
}
