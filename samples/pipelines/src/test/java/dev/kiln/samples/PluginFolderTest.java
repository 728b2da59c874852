package dev.kiln.samples;

import dev.kiln.api.plugin.PluginKind;
import dev.kiln.runtime.plugin.PluginDiscovery;
import dev.kiln.runtime.plugin.PluginRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Objectives arrive and leave with their jars: removing one plugin folder removes exactly that objective. */
class PluginFolderTest {

    @Test
    void removingOneObjectiveJarRemovesExactlyThatObjective(@TempDir Path plugins) throws Exception {
        for (String id : List.of("mlm", "nsp", "reverse-lm")) {
            Path jar = Path.of("target/dropin/" + (id.equals("reverse-lm") ? "kiln-sample-custom-objective" : "kiln-objective-" + id) + ".jar");
            assertTrue(Files.isRegularFile(jar), "build the plugin jars first (mvn verify does): " + jar.toAbsolutePath());
            Files.createDirectories(plugins.resolve(id));
            Files.copy(jar, plugins.resolve(id).resolve(jar.getFileName()));
        }
        List<String> all, fewer;
        List<String> backends;
        try (PluginRegistry r = new PluginDiscovery(getClass().getClassLoader(), plugins).discover()) {
            all = r.names(PluginKind.OBJECTIVE);
            backends = r.names(PluginKind.BACKEND);
            assertTrue(r.problems().isEmpty(), r.problems().toString());
        }
        assertTrue(all.containsAll(List.of("clm", "mlm", "nsp", "reverse-lm")), all.toString());

        try (var files = Files.walk(plugins.resolve("nsp"))) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
        try (PluginRegistry r = new PluginDiscovery(getClass().getClassLoader(), plugins).discover()) {
            fewer = r.names(PluginKind.OBJECTIVE);
            assertEquals(backends, r.names(PluginKind.BACKEND));
        }
        List<String> expected = new java.util.ArrayList<>(all);
        expected.remove("nsp");
        assertEquals(expected, fewer);
    }
}
