package dev.kiln.cli;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.NoSuchFileException;

import static org.junit.jupiter.api.Assertions.*;

class ErrorsTest {
    @Test
    void causesAreJoinedOnceEach() {
        var e = new IOException("pipeline config /x.yaml: no such file", new NoSuchFileException("/x.yaml"));
        assertEquals("pipeline config /x.yaml: no such file", Errors.describe(e));
        var wrapped = new IllegalStateException("cannot load model", new NoSuchFileException("/m/config.json"));
        assertEquals("cannot load model: no such file: /m/config.json", Errors.describe(wrapped));
    }

    @Test
    void missingConfigFileIsOneClearLine() {
        Cli r = Cli.run("pretrain", "--config", "/nonexistent/kiln.yaml", "--plugins", "/nonexistent");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("/nonexistent/kiln.yaml"), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
    }
}
