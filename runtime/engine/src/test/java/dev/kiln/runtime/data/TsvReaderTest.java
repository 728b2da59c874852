package dev.kiln.runtime.data;

import dev.kiln.api.data.Dataset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class TsvReaderTest {
    @TempDir
    Path dir;

    @Test
    void headerNamesTheFields() throws IOException {
        Path f = dir.resolve("d.tsv");
        Files.writeString(f, "text\tlabel\r\nhello world\t1\r\n\r\ntab\\there\t0\n");
        Dataset d = TsvReader.read(f);
        assertEquals(2, d.size());
        assertEquals("hello world", d.examples().get(0).text());
        assertEquals("1", d.examples().get(0).string("label"));
        assertEquals("tab\there", d.examples().get(1).text());
        assertEquals(f + ":4", d.examples().get(1).source());
    }

    @Test
    void raggedRowsNameFileLineAndCounts() throws IOException {
        Path f = dir.resolve("r.tsv");
        Files.writeString(f, "a\tb\n1\t2\n3\n");
        DataFileException e = assertThrows(DataFileException.class, () -> TsvReader.read(f));
        assertTrue(e.getMessage().startsWith(f + ":3: row has 1 field, the header has 2 (a, b)"), e.getMessage());
        Files.writeString(f, "a\tb\n1\t2\t3\n");
        assertTrue(assertThrows(DataFileException.class, () -> TsvReader.read(f)).getMessage().contains(":2:"));
    }

    @Test
    void badHeadersAndEmptyFilesAreErrors() throws IOException {
        Path f = dir.resolve("h.tsv");
        Files.writeString(f, "a\ta\n1\t2\n");
        assertTrue(assertThrows(DataFileException.class, () -> TsvReader.read(f)).getMessage().contains("'a' twice"));
        Files.writeString(f, "a\t\n");
        assertTrue(assertThrows(DataFileException.class, () -> TsvReader.read(f)).getMessage().contains("field 2 is empty"));
        Files.writeString(f, "\n\n");
        assertTrue(assertThrows(DataFileException.class, () -> TsvReader.read(f)).getMessage().contains("empty"));
    }
}
