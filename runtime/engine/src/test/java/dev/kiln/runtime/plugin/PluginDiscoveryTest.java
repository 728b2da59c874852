package dev.kiln.runtime.plugin;

import dev.kiln.api.backend.BackendProvider;
import dev.kiln.api.plugin.ApiVersion;
import dev.kiln.api.plugin.PluginKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PluginDiscoveryTest {
    @TempDir
    Path tmp;

    private PluginRegistry discoverDir(Path plugins) {
        return new PluginDiscovery(getClass().getClassLoader(), plugins).withoutClasspath().discover();
    }

    private static PluginProblem problemAbout(PluginRegistry registry, Path file) {
        return registry.problems().stream().filter(p -> p.source().equals(file.toString())).findFirst()
                .orElseThrow(() -> new AssertionError("no problem reported for " + file + "; got " + registry.problems()));
    }

    @Test
    void pluginJarIsFoundWithItsJarAsSourceAndLoadsInItsOwnIsolatedLoader() throws Exception {
        Path plugins = tmp.resolve("plugins");
        Path jar = PluginJars.backend("acme.AlphaProvider", "test-alpha", ApiVersion.CURRENT)
                .implementationVersion("1.2.3").writeTo(plugins.resolve("alpha/alpha.jar"));

        try (PluginRegistry registry = discoverDir(plugins)) {
            assertEquals(List.of(), registry.problems());
            DiscoveredPlugin p = registry.find(PluginKind.BACKEND, "test-alpha").orElseThrow();
            assertEquals(PluginKind.BACKEND, p.kind());
            assertEquals(jar.toString(), p.source());
            assertFalse(p.fromClasspath());
            assertEquals("1.2.3", p.version());
            assertEquals(ApiVersion.CURRENT, p.apiVersion());
            assertTrue(p.availability().available());

            ClassLoader loader = p.factory().getClass().getClassLoader();
            PluginClassLoader pluginLoader = assertInstanceOf(PluginClassLoader.class, loader);
            assertEquals("alpha", pluginLoader.pluginId());
            assertSame(ClassLoader.getPlatformClassLoader(), loader.getParent());
            // the API is the host's, so the factory is a host BackendProvider
            assertSame(BackendProvider.class, loader.loadClass("dev.kiln.api.backend.BackendProvider"));
            assertInstanceOf(BackendProvider.class, p.factory(BackendProvider.class));
            // the JDK is visible, the host's libraries and runtime are not
            assertSame(java.sql.Connection.class, loader.loadClass("java.sql.Connection"));
            for (String hidden : List.of("com.google.inject.Injector", "com.fasterxml.jackson.databind.ObjectMapper",
                    "io.micrometer.core.instrument.MeterRegistry", PluginDiscovery.class.getName(),
                    PluginDiscoveryTest.class.getName())) {
                assertThrows(ClassNotFoundException.class, () -> Class.forName(hidden, false, loader), hidden);
            }
            assertNotSame(getClass().getClassLoader(), loader);
        }
    }

    @Test
    void corruptJarIsReportedByPathAndTheGoodOnesStillLoad() throws Exception {
        Path plugins = tmp.resolve("plugins");
        PluginJars.backend("acme.GoodProvider", "test-good", ApiVersion.CURRENT).writeTo(plugins.resolve("mixed/good.jar"));
        Path brokenNextToGood = PluginJars.corrupt(plugins.resolve("mixed/broken.jar"));
        Path brokenAlone = PluginJars.corrupt(plugins.resolve("lonely/broken.jar"));
        PluginJars.backend("acme.OtherProvider", "test-other", ApiVersion.CURRENT).writeTo(plugins.resolve("other/other.jar"));

        try (PluginRegistry registry = discoverDir(plugins)) {
            assertTrue(problemAbout(registry, brokenNextToGood).reason().contains("not a readable jar"),
                    registry.problems().toString());
            problemAbout(registry, brokenAlone);
            assertTrue(registry.find(PluginKind.BACKEND, "test-good").isPresent());
            assertTrue(registry.find(PluginKind.BACKEND, "test-other").isPresent());
            assertFalse(registry.hasErrors(), "a broken jar is a warning, not an error");
        }
    }

    @Test
    void providerWhoseConstructorThrowsIsReportedAndOthersLoad() throws Exception {
        Path plugins = tmp.resolve("plugins");
        Path bad = PluginJars.jar().backendProvider("acme.Exploding", "test-boom", ApiVersion.CURRENT,
                "throw new IllegalStateException(\"boom in constructor\");", "").writeTo(plugins.resolve("boom/boom.jar"));
        PluginJars.backend("acme.Fine", "test-fine", ApiVersion.CURRENT).writeTo(plugins.resolve("boom/fine.jar"));

        try (PluginRegistry registry = discoverDir(plugins)) {
            PluginProblem p = problemAbout(registry, bad);
            assertTrue(p.reason().contains("acme.Exploding") && p.reason().contains("boom in constructor"), p.reason());
            assertTrue(registry.find(PluginKind.BACKEND, "test-fine").isPresent());
            assertFalse(registry.find(PluginKind.BACKEND, "test-boom").isPresent());
        }
    }

    @Test
    void missingProviderClassIsBlamedOnTheJarThatListsIt() throws Exception {
        Path plugins = tmp.resolve("plugins");
        Path bad = PluginJars.jar().service("dev.kiln.api.backend.BackendProvider", "acme.DoesNotExist")
                .writeTo(plugins.resolve("two/missing.jar"));
        PluginJars.backend("acme.Present", "test-present", ApiVersion.CURRENT).writeTo(plugins.resolve("two/present.jar"));

        try (PluginRegistry registry = discoverDir(plugins)) {
            PluginProblem p = problemAbout(registry, bad);
            assertTrue(p.reason().contains("acme.DoesNotExist"), p.reason());
            assertTrue(registry.find(PluginKind.BACKEND, "test-present").isPresent());
        }
    }

    @Test
    void duplicateNameAcrossTwoJarsIsOneWarningNamingBothJarsAndTheNameIsRefused() throws Exception {
        Path plugins = tmp.resolve("plugins");
        Path one = PluginJars.backend("one.DupProvider", "test-dup", ApiVersion.CURRENT).writeTo(plugins.resolve("one/one.jar"));
        Path two = PluginJars.backend("two.DupProvider", "test-dup", ApiVersion.CURRENT).writeTo(plugins.resolve("two/two.jar"));
        PluginJars.backend("three.Other", "test-other", ApiVersion.CURRENT).writeTo(plugins.resolve("three/three.jar"));

        try (PluginRegistry registry = discoverDir(plugins)) {
            String reason = "backend plugin name 'test-dup' is provided by " + one + " and " + two
                    + "; refused: a command that uses 'test-dup' fails until one of them is removed";
            assertEquals(List.of(PluginProblem.warning(two.toString(), reason)), registry.problems());
            assertEquals(2, registry.refused().size());
            assertTrue(registry.refused().stream().allMatch(p -> p.availability().detail().equals(reason)));
            assertEquals(List.of("test-dup", "test-other"), registry.names(PluginKind.BACKEND));
            var factories = registry.factories(BackendProvider.class);
            assertFalse(factories.get("test-dup").availability().available());
            PluginException e = assertThrows(PluginException.class,
                    () -> factories.get("test-dup").create(new dev.kiln.api.config.Config("backend", java.util.Map.of())));
            assertEquals(reason, e.getMessage());
            assertTrue(factories.get("test-other").availability().available());
        }
    }

    @Test
    void duplicateNameInOneFolderIsAWarningNamingBothJars() throws Exception {
        Path plugins = tmp.resolve("plugins");
        Path a = PluginJars.backend("a.Same", "test-same", ApiVersion.CURRENT).writeTo(plugins.resolve("pair/a.jar"));
        Path b = PluginJars.backend("b.Same", "test-same", ApiVersion.CURRENT).writeTo(plugins.resolve("pair/b.jar"));

        try (PluginRegistry registry = discoverDir(plugins)) {
            String reason = registry.problems().get(0).reason();
            assertTrue(reason.contains(a + " and " + b), reason);
        }
    }

    @Test
    void pluginBuiltAgainstAnIncompatibleApiIsRefusedWithBothVersions() throws Exception {
        Path plugins = tmp.resolve("plugins");
        Path future = PluginJars.backend("acme.Future", "test-future", "9.0").writeTo(plugins.resolve("future/future.jar"));
        Path garbled = PluginJars.backend("acme.Garbled", "test-garbled", "banana").writeTo(plugins.resolve("garbled/g.jar"));

        try (PluginRegistry registry = discoverDir(plugins)) {
            assertFalse(registry.find(PluginKind.BACKEND, "test-future").isPresent());
            String reason = problemAbout(registry, future).reason();
            assertTrue(reason.contains("9.0") && reason.contains(ApiVersion.current().toString()), reason);
            assertTrue(problemAbout(registry, garbled).reason().contains("'banana'"));
            assertFalse(registry.find(PluginKind.BACKEND, "test-garbled").isPresent());
        }
    }

    @Test
    void classPathPluginsHaveSourceClasspathAndClashWithPluginDirectoryJars() throws Exception {
        Path hostJar = PluginJars.backend("host.OnClasspath", "test-cp", ApiVersion.CURRENT).writeTo(tmp.resolve("host/cp.jar"));
        Path plugins = tmp.resolve("plugins");
        Path copy = PluginJars.backend("copy.OnClasspath", "test-cp", ApiVersion.CURRENT).writeTo(plugins.resolve("cp/cp.jar"));

        try (URLClassLoader host = new URLClassLoader(new URL[] {hostJar.toUri().toURL()}, getClass().getClassLoader());
             PluginRegistry registry = new PluginDiscovery(host, plugins).discover()) {
            DiscoveredPlugin p = registry.find(PluginKind.BACKEND, "test-cp").orElseThrow();
            assertEquals(PluginDiscovery.CLASSPATH, p.source());
            assertTrue(p.fromClasspath());
            String reason = registry.problems().get(0).reason();
            assertTrue(reason.contains("classpath (host.OnClasspath at ") && reason.contains(copy.toString()), reason);
        }
    }

    @Test
    void descriptorIsParsedStrictly() throws Exception {
        Path plugins = tmp.resolve("plugins");
        PluginJars.backend("acme.Described", "test-described", ApiVersion.CURRENT).writeTo(plugins.resolve("described/d.jar"));
        Files.writeString(plugins.resolve("described/kiln-plugin.properties"), "kiln.api.version=1.0\nversion=4.5.6\n");
        PluginJars.backend("acme.Typo", "test-typo", ApiVersion.CURRENT).writeTo(plugins.resolve("typo/t.jar"));
        Path typo = Files.writeString(plugins.resolve("typo/kiln-plugin.properties"), "kiln.api.version=1.0\nverison=1\n");
        PluginJars.backend("acme.Old", "test-old", ApiVersion.CURRENT).writeTo(plugins.resolve("old/o.jar"));
        Path old = Files.writeString(plugins.resolve("old/kiln-plugin.properties"), "kiln.api.version=9.0\n");

        try (PluginRegistry registry = discoverDir(plugins)) {
            assertEquals("4.5.6", registry.find(PluginKind.BACKEND, "test-described").orElseThrow().version());
            String typoReason = problemAbout(registry, typo).reason();
            assertTrue(typoReason.contains("'verison'") && typoReason.contains("known: "), typoReason);
            assertFalse(registry.find(PluginKind.BACKEND, "test-typo").isPresent());
            String oldReason = problemAbout(registry, old).reason();
            assertTrue(oldReason.contains("9.0") && oldReason.contains(ApiVersion.CURRENT), oldReason);
            assertFalse(registry.find(PluginKind.BACKEND, "test-old").isPresent());
        }
    }

    @Test
    void jarDirectlyInThePluginDirectoryIsIgnoredWithAWarning() throws Exception {
        Path plugins = tmp.resolve("plugins");
        Path stray = PluginJars.backend("acme.Stray", "test-stray", ApiVersion.CURRENT).writeTo(plugins.resolve("stray.jar"));

        try (PluginRegistry registry = discoverDir(plugins)) {
            assertTrue(problemAbout(registry, stray).reason().contains("own folder"));
            assertTrue(registry.plugins().isEmpty());
        }
    }

    @Test
    void missingPluginDirectoryIsNotAProblem() {
        try (PluginRegistry registry = discoverDir(tmp.resolve("nowhere"))) {
            assertEquals(List.of(), registry.problems());
        }
    }
}
