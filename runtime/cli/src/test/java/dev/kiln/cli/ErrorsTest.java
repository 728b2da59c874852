package dev.kiln.cli;

import org.junit.jupiter.api.Test;

import dev.kiln.runtime.config.PipelineConfigLoader;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class ErrorsTest {
    @Test
    void causesAreJoinedOnceEach() {
        var e = new IOException("pipeline config /x.yaml: no such file", new NoSuchFileException("/x.yaml"));
        assertEquals("pipeline config /x.yaml: no such file", Errors.describe(e));
        var wrapped = new IllegalStateException("cannot load model", new NoSuchFileException("/m/config.json"));
        assertEquals("cannot load model: no such file: /m/config.json", Errors.describe(wrapped));
    }

    /** A disk-full error keeps what was being written where (it used to print only "No space left on device"). */
    @Test
    void anUncheckedWrapperWithItsOwnMessageKeepsTheContext() {
        var full = new java.io.UncheckedIOException("cannot write checkpoint at step 5 under /run/checkpoints: No space left on device",
                new IOException("No space left on device"));
        assertEquals("cannot write checkpoint at step 5 under /run/checkpoints: No space left on device", Errors.describe(full));
        var bare = new java.io.UncheckedIOException(new IOException("No space left on device"));
        assertEquals("No space left on device", Errors.describe(bare));
    }

    /** An --out that is a file, or lies under one: the JDK's exceptions name only the path ("error: f.txt"). */
    @Test
    void aDirectoryThatIsAFileIsNamedAsSuch(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("f.txt"), "kept");
        assertEquals(file + ": already exists and is not a directory",
                Errors.describe(assertThrows(IOException.class, () -> Files.createDirectories(file))));
        Path under = file.resolve("sub");
        assertEquals(under + ": cannot be a directory: " + file + " is a file",
                Errors.describe(assertThrows(IOException.class, () -> Files.createDirectories(under))));
    }

    /** A decoder's "Input length = 3" says nothing a user can act on; the file and "not valid UTF-8" do. */
    @Test
    void anUndecodableFileIsNamedWithoutTheDecodersDetail() {
        var e = new IOException("/m/tokenizer.json: not valid UTF-8 text", new java.nio.charset.MalformedInputException(3));
        assertEquals("/m/tokenizer.json: not valid UTF-8 text", Errors.describe(e));
    }

    @Test
    void missingConfigFileIsOneClearLine() {
        Cli r = Cli.run("pretrain", "--config", "/nonexistent/kiln.yaml", "--plugins", "/nonexistent");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("/nonexistent/kiln.yaml"), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
    }

    @Test
    void syntaxErrorsInConfigsAreOneLineWithoutTheParsersEcho(@TempDir Path dir) throws IOException {
        for (String[] f : new String[][] {{"broken.json", "{\n  \"train\": {\"lr\": 0.1,}\n}"}, {"broken.yaml", "train:\n  lr: 0.1\n steps: 3\n"},
                                          {"dup.json", "{\"a\": 1, \"a\": 2}"}}) {
            Path p = dir.resolve(f[0]);
            Files.writeString(p, f[1]);
            String line = Errors.describe(assertThrows(RuntimeException.class, () -> PipelineConfigLoader.load(p)));
            assertTrue(line.startsWith(p + ": line ") && !line.contains("[Source") && !line.contains("\n"), line);
            assertEquals(1, line.split("line \\d+, column").length - 1, "the position once: " + line);
        }
    }
}
