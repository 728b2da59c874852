package dev.kiln.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class PluginsCommandTest {
    @TempDir
    Path plugins;

    @Test
    void listsClasspathBackendsAndTheChosenOne() {
        Cli r = Cli.run("plugins", "--plugins", plugins.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().matches("(?s).*backend\\s+cpu\\s+\\S+\\s+\\S+\\s+classpath\\s+yes.*"), r.out());
        assertTrue(r.out().matches("(?s).*backend\\s+naive\\s+.*classpath.*"), r.out());
        assertTrue(r.out().contains("backend: cpu (default"), r.out());
    }

    @Test
    void reportsABrokenJarByName() throws Exception {
        Path dir = Files.createDirectories(plugins.resolve("broken"));
        Files.writeString(dir.resolve("broken.jar"), "this is not a zip file");
        Cli r = Cli.run("plugins", "--plugins", plugins.toString());
        assertTrue(r.out().contains("problems:"), r.out());
        assertTrue(r.out().contains("broken.jar"), r.out());
    }

    @Test
    void showsWhyANamedBackendCannotBeUsed() {
        Cli r = Cli.run("plugins", "--plugins", plugins.toString(), "--backend", "nope");
        assertTrue(r.out().contains("backend: none: unknown backend 'nope'"), r.out());
    }
}
