package dev.kiln.runtime.metrics;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A resumed run's metrics.jsonl: the records up to its checkpoint stay, later ones go, a last line an interrupted write
 * cut short goes quietly; a damaged line before it is not dropped unseen but moved aside and named.
 */
class MetricsLogResumeTest {
    @Test
    void damageIsMovedAsideAndNamedWhileACutLastLineGoesQuietly(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("metrics.jsonl");
        Files.writeString(file, String.join("\n",
                "{\"type\":\"train\",\"step\":1,\"loss\":3.0}",
                "{\"type\":\"train\",\"step\":2,\"loss\":2.5}",
                "{\"type\":\"eval\",\"step\":2,\"loss\":2.6}",
                "{\"type\":\"train\",\"ste@@ garbled",
                "{\"type\":\"train\",\"step\":3,\"loss\":2.0}",
                "{\"type\":\"eval\",\"step\":4,\"loss\":2.1}",
                "{\"type\":\"tra") + "\n");
        List<String> notes;
        try (MetricsLog log = new MetricsLog(file)) {
            notes = log.resumeAt(3);
        }
        assertEquals(List.of(file + ":4: not a metrics record; moved to metrics.jsonl.unreadable"), notes);
        assertEquals(List.of("{\"type\":\"train\",\"step\":1,\"loss\":3.0}", "{\"type\":\"train\",\"step\":2,\"loss\":2.5}",
                "{\"type\":\"eval\",\"step\":2,\"loss\":2.6}", "{\"type\":\"train\",\"step\":3,\"loss\":2.0}"), Files.readAllLines(file));
        assertEquals(List.of("{\"type\":\"train\",\"ste@@ garbled"), Files.readAllLines(dir.resolve("metrics.jsonl.unreadable")));
    }
}
