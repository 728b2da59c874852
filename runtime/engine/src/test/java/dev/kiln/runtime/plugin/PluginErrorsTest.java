package dev.kiln.runtime.plugin;

import dev.kiln.api.backend.BackendProvider;
import dev.kiln.api.config.Config;
import dev.kiln.api.plugin.ApiVersion;
import dev.kiln.api.plugin.PluginKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A plugin that fails with an Error (not an exception) is reported like any broken plugin, by its jar. */
class PluginErrorsTest {
    @TempDir
    Path tmp;

    @Test
    void anAssertionErrorFromAPluginsAvailabilityCheckMakesItUnavailableAndTheOthersLoad() throws Exception {
        Path plugins = tmp.resolve("plugins");
        PluginJars.jar().backendProvider("acme.Asserting", "test-asserting", ApiVersion.CURRENT, "",
                "@Override public dev.kiln.api.plugin.Availability availability() { throw new AssertionError(\"probe\"); }")
                .writeTo(plugins.resolve("asserting/asserting.jar"));
        PluginJars.backend("acme.Fine", "test-fine", ApiVersion.CURRENT).writeTo(plugins.resolve("fine/fine.jar"));

        try (PluginRegistry registry = new PluginDiscovery(getClass().getClassLoader(), plugins).withoutClasspath().discover()) {
            assertTrue(registry.find(PluginKind.BACKEND, "test-fine").isPresent());
            assertEquals("no: availability check failed: AssertionError: probe", PluginListing.availability(
                    registry.find(PluginKind.BACKEND, "test-asserting").orElseThrow().availability()));
            assertEquals(List.of(), registry.problems());
        }
    }

    @Test
    void anErrorInAPluginsStaticInitializerIsAProblemNamingItsJar() throws Exception {
        Path plugins = tmp.resolve("plugins");
        Path bad = PluginJars.jar().backendProvider("acme.Static", "test-static", ApiVersion.CURRENT, "",
                "static { if (true) throw new IllegalStateException(\"static boom\"); }")
                .writeTo(plugins.resolve("static/static.jar"));

        try (PluginRegistry registry = new PluginDiscovery(getClass().getClassLoader(), plugins).withoutClasspath().discover()) {
            assertEquals(1, registry.problems().size(), registry.problems().toString());
            PluginProblem p = registry.problems().get(0);
            assertEquals(bad.toString(), p.source());
            assertTrue(p.reason().contains("ExceptionInInitializerError") && p.reason().contains("static boom"), p.reason());
        }
    }

    @Test
    void aClassPathPluginThatFailsToLoadIsAProblemNamingItsJar() throws Exception {
        Path ctor = PluginJars.jar().backendProvider("acme.CtorError", "test-ctor-error", ApiVersion.CURRENT,
                "if (true) throw new AssertionError(\"ctor boom\");", "").writeTo(tmp.resolve("host/ctor.jar"));
        Path stat = PluginJars.jar().backendProvider("acme.StaticError", "test-static-error", ApiVersion.CURRENT, "",
                "static { if (true) throw new IllegalStateException(\"static boom\"); }").writeTo(tmp.resolve("host/static.jar"));
        try (java.net.URLClassLoader host = new java.net.URLClassLoader(new java.net.URL[] {ctor.toUri().toURL(), stat.toUri().toURL()},
                getClass().getClassLoader());
             PluginRegistry registry = new PluginDiscovery(host, tmp.resolve("no-plugins")).discover()) {
            List<String> sources = registry.problems().stream().map(PluginProblem::source).sorted().toList();
            assertEquals(List.of("classpath (" + ctor + ")", "classpath (" + stat + ")"), sources, registry.problems().toString());
            assertFalse(registry.find(PluginKind.BACKEND, "test-ctor-error").isPresent());
        }
    }

    @Test
    void aNoClassDefFoundErrorInCreateIsBlamedOnThePluginIdAndItsJar() throws Exception {
        Path plugins = tmp.resolve("plugins");
        Path jar = PluginJars.needsLibrary("acme", "test-needs-lib").writeTo(plugins.resolve("needs-lib/needs-lib.jar"));

        try (PluginRegistry registry = new PluginDiscovery(getClass().getClassLoader(), plugins).withoutClasspath().discover()) {
            BackendProvider provider = registry.find(PluginKind.BACKEND, "test-needs-lib").orElseThrow().factory(BackendProvider.class);
            NoClassDefFoundError e = assertThrows(NoClassDefFoundError.class, () -> provider.create(new Config("backend", Map.of())));
            assertEquals("plugin 'needs-lib' (" + jar + ") failed: NoClassDefFoundError: acme/Lib (a class the plugin"
                            + " needs is in none of its jars: put the library's jar into the plugin's folder " + jar.getParent() + ")",
                    PluginBlame.message(e, registry.classLoaders()).orElseThrow());
        }
    }

    @Test
    void aFailureOutsidePluginCodeIsNotBlamedOnAPlugin() {
        assertFalse(PluginBlame.message(new AssertionError("host"), List.of()).isPresent());
    }

    @Test
    void outOfMemoryIsRethrownEvenWhenWrapped() {
        OutOfMemoryError oom = new OutOfMemoryError("Java heap space");
        assertSame(oom, assertThrows(OutOfMemoryError.class,
                () -> PluginBlame.rethrowIfOutOfMemory(new java.util.ServiceConfigurationError("x", oom))));
    }
}
