package dev.kiln.cli;

import dev.kiln.api.plugin.ApiVersion;
import dev.kiln.runtime.plugin.PluginJars;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * A plugin that fails with an Error (here a NoClassDefFoundError for a library it did not bundle)
 * ends the command with one line naming the plugin and its jar, not a stack trace, whether it
 * fails in its factory's create() or later, in a method the command calls on what it created.
 */
class PluginErrorsCliTest {
    @TempDir
    Path plugins;

    private static final List<String> TINY = List.of("bench", "--steps", "1", "--warmup", "0", "--infer-steps", "1",
            "--infer-warmup", "0", "--no-sgemm", "--vocab", "32", "--d-model", "16", "--layers", "1", "--heads", "2",
            "--seq", "8", "--batch", "2");

    private Cli bench(String backend) {
        List<String> args = new java.util.ArrayList<>(TINY);
        args.addAll(List.of("--plugins", plugins.toString(), "--backend", backend));
        return Cli.run(args.toArray(new String[0]));
    }

    @Test
    void aFactoryWhoseCreateMissesALibraryIsOneLineNamingPluginAndJar() throws Exception {
        Path jar = PluginJars.needsLibrary("acme", "needs-lib").writeTo(plugins.resolve("needs-lib/needs-lib.jar"));
        Cli r = bench("needs-lib");
        assertEquals(1, r.code());
        assertEquals("kiln bench: error: plugin 'needs-lib' (" + jar + ") failed: NoClassDefFoundError: acme/Lib (a class the"
                + " plugin needs is in none of its jars: put the library's jar into the plugin's folder " + jar.getParent() + ")",
                r.err().strip());
    }

    @Test
    void aBackendMethodMissingALibraryIsOneLineNamingPluginAndJar() throws Exception {
        String proxy = "package half;\n"
                + "public class HalfProvider implements dev.kiln.api.backend.BackendProvider {\n"
                + "  public String name() { return \"half\"; }\n"
                + "  public String apiVersion() { return \"" + ApiVersion.CURRENT + "\"; }\n"
                + "  public dev.kiln.api.backend.Backend create(dev.kiln.api.config.Config c) {\n"
                + "    return (dev.kiln.api.backend.Backend) java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),\n"
                + "        new Class<?>[] {dev.kiln.api.backend.Backend.class}, (p, m, a) -> {\n"
                + "          switch (m.getName()) {\n"
                + "            case \"name\": case \"description\": case \"toString\": return \"half\";\n"
                + "            case \"close\": return null;\n"
                + "            case \"hashCode\": return 0;\n"
                + "            case \"equals\": return false;\n"
                + "            default: Lib.use(); return null;\n"
                + "          }\n"
                + "        });\n"
                + "  }\n"
                + "}\n";
        Path jar = PluginJars.jar().source("half.Lib", "package half; public class Lib { public static void use() {} }")
                .omit("half.Lib").source("half.HalfProvider", proxy)
                .service("dev.kiln.api.backend.BackendProvider", "half.HalfProvider")
                .writeTo(plugins.resolve("half/half.jar"));
        Cli r = bench("half");
        assertEquals(1, r.code());
        List<String> lines = r.err().strip().lines().toList();
        assertEquals("kiln bench: error: plugin 'half' (" + jar + ") failed: NoClassDefFoundError: half/Lib (a class the"
                + " plugin needs is in none of its jars: put the library's jar into the plugin's folder " + jar.getParent() + ")",
                lines.get(lines.size() - 1), r.err());
        assertEquals(1, lines.stream().filter(l -> l.contains("error")).count(), r.err());
        assertFalse(r.err().contains("\tat "), r.err());
    }
}
