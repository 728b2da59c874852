package dev.kiln.runtime.pipeline;

import dev.kiln.api.config.Config;
import dev.kiln.api.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * An empty split file named in the config is an error naming key and file; it used to be silently "no validation". So
 * is a validation fraction of a single structured example, which used to fail as "missing field 'text'".
 */
class EmptySplitTest {

    @Test
    void anEmptyValidationOrTestFileIsRefused(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("train.txt"), "one document\n\n\nanother document\n");
        Files.writeString(dir.resolve("empty.txt"), "");
        for (String key : new String[] {"validation", "test"}) {
            Config data = new Config("pipeline.data", Map.of("train", "train.txt", key, "empty.txt"));
            ConfigException e = assertThrows(ConfigException.class, () -> PipelineInputs.data(data, dir, 1, null));
            assertTrue(e.getMessage().contains("key '" + key + "' names " + dir.resolve("empty.txt") + ", which holds no examples"), e.getMessage());
        }
        Config fine = new Config("pipeline.data", Map.of("train", "train.txt", "validation", "train.txt"));
        assertEquals(2, PipelineInputs.data(fine, dir, 1, null).validation().size());
    }

    @Test
    void oneStructuredExampleCannotBeSplitAndSaysSo(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("one.jsonl"), "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"},"
                + " {\"role\": \"assistant\", \"content\": \"hello\"}]}\n");
        Config data = new Config("pipeline.data", Map.of("train", "one.jsonl"));
        ConfigException e = assertThrows(ConfigException.class, () -> PipelineInputs.data(data, dir, 1, null));
        assertTrue(e.getMessage().contains("key 'validation_fraction'") && e.getMessage().contains("holds one example"), e.getMessage());
        Config none = new Config("pipeline.data", Map.of("train", "one.jsonl", "validation_fraction", 0.0));
        assertEquals(1, PipelineInputs.data(none, dir, 1, null).train().size());
        Files.writeString(dir.resolve("one.txt"), "a single document, cut in two at a character offset\n");
        Config text = new Config("pipeline.data", Map.of("train", "one.txt"));
        assertEquals(1, PipelineInputs.data(text, dir, 1, null).validation().size(), "a text document is still cut");
    }
}
