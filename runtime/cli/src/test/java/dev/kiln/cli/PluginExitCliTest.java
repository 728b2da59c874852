package dev.kiln.cli;

import dev.kiln.api.plugin.ApiVersion;
import dev.kiln.runtime.plugin.PluginJars;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Plugins are trusted code: one may call System.exit while Kiln creates it. 'kiln plugins' still
 * lists what it found before that plugin, names the plugin, and exits 1 (whatever status it asked
 * for). Runs the CLI in a child JVM, as the exit ends the JVM.
 */
class PluginExitCliTest {
    @TempDir
    Path plugins;

    @Test
    void aFactoryConstructorThatCallsSystemExitStillLeavesTheListingAndNamesThePlugin() throws Exception {
        PluginJars.backend("good.Provider", "good-backend", ApiVersion.CURRENT).writeTo(plugins.resolve("a-good/good.jar"));
        Path bad = PluginJars.jar().backendProvider("bad.Exits", "exits", ApiVersion.CURRENT, "System.exit(0);", "")
                .writeTo(plugins.resolve("b-exits/exits.jar"));

        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        ProcessBuilder pb = new ProcessBuilder(java.toString(), "--add-modules", "jdk.incubator.vector",
                "-cp", System.getProperty("java.class.path"), KilnCli.class.getName(), "plugins", "--plugins", plugins.toString());
        pb.environment().remove(KilnCli.ENV_PLUGINS);
        pb.environment().remove(KilnCli.ENV_HOME);
        Path out = plugins.resolve("out.txt"), err = plugins.resolve("err.txt");
        Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "kiln plugins did not end");
        String stdout = Files.readString(out, StandardCharsets.UTF_8), stderr = Files.readString(err, StandardCharsets.UTF_8);

        assertEquals(1, p.exitValue(), stdout + stderr);
        assertTrue(stdout.matches("(?s).*backend\\s+good-backend\\s.*\\syes.*"), stdout);
        assertTrue(stdout.matches("(?s).*backend\\s+cpu\\s.*classpath.*"), stdout);
        assertEquals(List.of("kiln plugins: error: backend provider bad.Exits (" + bad + ") called System.exit while Kiln"
                        + " was creating it; the plugins after it were not looked at. Plugins are trusted code: remove this"
                        + " one from the plugin folder"),
                stderr.lines().filter(l -> l.startsWith("kiln plugins:")).toList(), stderr);
    }
}
