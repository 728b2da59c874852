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
 * lists what it created before that plugin and what it found after it (every provider is found before
 * any is created), names the plugin, and exits 1 (whatever status it asked
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
        Path after = PluginJars.backend("after.Provider", "after-backend", ApiVersion.CURRENT).writeTo(plugins.resolve("c-after/after.jar"));

        Process p = kiln("plugins", "--plugins", plugins.toString());
        String stdout = Files.readString(plugins.resolve("out.txt"), StandardCharsets.UTF_8);
        String stderr = Files.readString(plugins.resolve("err.txt"), StandardCharsets.UTF_8);

        assertEquals(1, p.exitValue(), stdout + stderr);
        assertTrue(stdout.matches("(?s).*backend\\s+good-backend\\s.*\\syes.*"), stdout);
        assertTrue(stdout.matches("(?s).*backend\\s+cpu\\s.*classpath.*"), stdout);
        assertTrue(stdout.contains("found but not created (the exit came first):\n  backend provider after.Provider (" + after + ")"),
                "every provider found is listed, also those after the exit: " + stdout);
        assertTrue(!stdout.contains("after-backend"), "the one after it was never created, so its name is unknown: " + stdout);
        assertEquals(List.of("kiln plugins: error: backend provider bad.Exits (" + bad + ") called System.exit while Kiln"
                        + " was creating it; 1 provider after it was found but not created (listed). Plugins are trusted code: remove this"
                        + " one from the plugin folder"),
                stderr.lines().filter(l -> l.startsWith("kiln plugins:")).toList(), stderr);
    }

    @Test
    void anyOtherCommandNamesThePluginAndExitsOneRatherThanTheStatusThePluginChose() throws Exception {
        Path bad = PluginJars.jar().backendProvider("bad.Exits", "exits", ApiVersion.CURRENT, "System.exit(0);", "")
                .writeTo(plugins.resolve("exits/exits.jar"));
        Process p = kiln("bench", "--steps", "1", "--plugins", plugins.toString());
        String stderr = Files.readString(plugins.resolve("err.txt"), StandardCharsets.UTF_8);
        assertEquals(1, p.exitValue(), stderr);
        assertEquals(List.of("kiln: error: backend provider bad.Exits (" + bad + ") called System.exit while Kiln was"
                        + " creating it; plugins are trusted code: remove this one from the plugin folder"),
                stderr.lines().filter(l -> l.startsWith("kiln")).toList(), stderr);
    }

    /** Runs the CLI in a child JVM on this test's class path; its output goes to out.txt and err.txt. */
    private Process kiln(String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "-cp", System.getProperty("java.class.path"), KilnCli.class.getName()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().remove(KilnCli.ENV_PLUGINS);
        pb.environment().remove(KilnCli.ENV_HOME);
        Process p = pb.redirectOutput(plugins.resolve("out.txt").toFile()).redirectError(plugins.resolve("err.txt").toFile()).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "kiln " + args[0] + " did not end");
        return p;
    }
}
