package dev.kiln.cli;

import dev.kiln.api.plugin.ApiVersion;
import dev.kiln.runtime.plugin.PluginJars;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The plugin path adds folders to the built-ins; it never replaces them, and a named folder that is missing is an error. */
class PluginPathTest {
    @TempDir
    Path tmp;

    @Test
    void builtInsThenKilnPluginsThenTheFlagEachFolderOnce() throws Exception {
        Path home = tmp.resolve("home");
        Path builtIns = Files.createDirectories(home.resolve("plugins"));
        Path a = Files.createDirectories(tmp.resolve("a")), b = Files.createDirectories(tmp.resolve("b"));
        Path c = Files.createDirectories(tmp.resolve("c"));
        Map<String, String> env = Map.of("KILN_HOME", home.toString(), "KILN_PLUGINS", a + ":" + b);
        assertEquals(List.of(builtIns, a, b, c), PluginPath.resolve(List.of(c + ":" + a, c.toString()), env));
        assertEquals(List.of(builtIns), PluginPath.resolve(List.of(), Map.of("KILN_HOME", home.toString())));
        assertEquals(List.of(), PluginPath.resolve(List.of(), Map.of()), "no KILN_HOME and no ./plugins: no built-ins");
    }

    @Test
    void aMissingFolderIsAnErrorNamingItAndWhoNamedIt() {
        Path missing = tmp.resolve("nope");
        IllegalArgumentException flag = assertThrows(IllegalArgumentException.class,
                () -> PluginPath.resolve(List.of(missing.toString()), Map.of()));
        assertEquals("plugin folder " + missing + " (named by --plugins) does not exist", flag.getMessage());
        IllegalArgumentException env = assertThrows(IllegalArgumentException.class,
                () -> PluginPath.resolve(List.of(), Map.of("KILN_PLUGINS", missing.toString())));
        assertEquals("plugin folder " + missing + " (named by KILN_PLUGINS) does not exist", env.getMessage());
    }

    @Test
    void pluginsFromTwoFlagFoldersAreAddedToTheBuiltIns() throws Exception {
        Path home = tmp.resolve("home");
        PluginJars.backend("builtin.P", "builtin-backend", ApiVersion.CURRENT).writeTo(home.resolve("plugins/builtin/b.jar"));
        PluginJars.backend("first.P", "first-backend", ApiVersion.CURRENT).writeTo(tmp.resolve("one/first/f.jar"));
        PluginJars.backend("second.P", "second-backend", ApiVersion.CURRENT).writeTo(tmp.resolve("two/second/s.jar"));

        Cli r = Cli.run(Map.of("KILN_HOME", home.toString()), "plugins", "--plugins", tmp.resolve("one") + ":" + tmp.resolve("two"));
        assertEquals(0, r.code(), r.out() + r.err());
        for (String name : List.of("builtin-backend", "first-backend", "second-backend")) {
            assertTrue(r.out().matches("(?s).*backend\\s+" + name + "\\s.*"), name + " missing from:\n" + r.out());
        }
    }

    @Test
    void aCommandWithAMissingPluginFolderFailsNamingIt() {
        Path missing = tmp.resolve("missing");
        Cli r = Cli.run("bench", "--plugins", missing.toString());
        assertEquals(1, r.code());
        assertEquals("kiln bench: error: plugin folder " + missing + " (named by --plugins) does not exist", r.err().strip());
    }
}
