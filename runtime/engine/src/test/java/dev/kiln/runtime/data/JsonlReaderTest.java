package dev.kiln.runtime.data;

import dev.kiln.api.data.Dataset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class JsonlReaderTest {
    @TempDir
    Path dir;

    @Test
    void eachLineIsAnExampleWithItsSource() throws IOException {
        Path f = dir.resolve("d.jsonl");
        Files.writeString(f, "{\"text\": \"hi\", \"label\": 1}\n\n{\"text\": \"yo\", \"meta\": {\"tags\": [\"a\", \"b\"]}, \"score\": 0.5}\n");
        Dataset d = JsonlReader.read(f);
        assertEquals(2, d.size());
        assertEquals("hi", d.examples().get(0).text());
        assertEquals(1, d.examples().get(0).fields().get("label"));
        assertEquals(f + ":1", d.examples().get(0).source());
        assertEquals(f + ":3", d.examples().get(1).source());
        assertEquals(Map.of("tags", List.of("a", "b")), d.examples().get(1).fields().get("meta"));
        assertEquals(0.5, d.examples().get(1).fields().get("score"));
        assertEquals(dir.toAbsolutePath(), d.examples().get(0).baseDir());
    }

    @Test
    void malformedLinesNameFileAndLine() throws IOException {
        Path f = dir.resolve("bad.jsonl");
        Files.writeString(f, "{\"text\": \"ok\"}\n{\"text\": oops}\n");
        DataFileException e = assertThrows(DataFileException.class, () -> JsonlReader.read(f));
        assertTrue(e.getMessage().startsWith(f + ":2: malformed JSON"), e.getMessage());
        assertTrue(e.getMessage().endsWith("(column 10)") && !e.getMessage().contains("[Source"), e.getMessage());
        assertEquals(2, e.line());

        Files.writeString(f, "[1, 2]\n");
        DataFileException arr = assertThrows(DataFileException.class, () -> JsonlReader.read(f));
        assertTrue(arr.getMessage().contains(":1: expected a JSON object") && arr.getMessage().contains("array"), arr.getMessage());

        Files.writeString(f, "{\"a\": 1} {\"b\": 2}\n");
        assertThrows(DataFileException.class, () -> JsonlReader.read(f), "two objects on one line");
    }

    @Test
    void missingFileIsNamed() {
        DataFileException e = assertThrows(DataFileException.class, () -> JsonlReader.read(dir.resolve("none.jsonl")));
        assertTrue(e.getMessage().contains("none.jsonl"), e.getMessage());
    }
}
