package dev.kiln.runtime.plugin;

import dev.kiln.api.plugin.ApiVersion;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;

class PluginListingTest {
    @TempDir
    Path tmp;

    @Test
    void rendersOneLinePerPluginAndTheProblems() throws Exception {
        Path plugins = tmp.resolve("plugins");
        Path ok = PluginJars.backend("acme.Ok", "test-ok", ApiVersion.CURRENT).implementationVersion("2.0.1")
                .writeTo(plugins.resolve("ok/ok.jar"));
        Path gpu = PluginJars.jar().backendProvider("acme.Gpu", "test-gpu", ApiVersion.CURRENT, "",
                "@Override public dev.kiln.api.plugin.Availability availability() {"
                        + " return dev.kiln.api.plugin.Availability.no(\"no OpenCL device\"); }")
                .writeTo(plugins.resolve("gpu/gpu.jar"));
        Path broken = PluginJars.corrupt(plugins.resolve("broken/broken.jar"));

        try (PluginRegistry registry = new PluginDiscovery(getClass().getClassLoader(), plugins).discover()) {
            String text = new PluginListing(registry).render();
            String okLine = line(text, "test-ok");
            assertTrue(okLine.startsWith("backend") && okLine.contains("2.0.1") && okLine.contains(ok.toString())
                    && okLine.contains(ApiVersion.CURRENT) && okLine.endsWith("yes"), okLine);
            String gpuLine = line(text, "test-gpu");
            assertTrue(gpuLine.contains(gpu.toString()) && gpuLine.endsWith("no: no OpenCL device"), gpuLine);
            assertTrue(text.contains("KIND") && text.contains("AVAILABLE"), text);
            assertTrue(text.contains("problems:") && line(text, broken.toString()).contains("warning"), text);
        }
    }

    private static String line(String text, String containing) {
        return text.lines().filter(l -> l.contains(containing)).findFirst()
                .orElseThrow(() -> new AssertionError("no line with " + containing + " in\n" + text));
    }
}
