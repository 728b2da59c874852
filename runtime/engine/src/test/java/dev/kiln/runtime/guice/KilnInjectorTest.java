package dev.kiln.runtime.guice;

import com.google.inject.AbstractModule;
import com.google.inject.Injector;
import com.google.inject.Key;
import com.google.inject.Module;
import com.google.inject.ProvisionException;
import com.google.inject.TypeLiteral;
import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.BackendProvider;
import dev.kiln.api.config.Config;
import dev.kiln.api.objective.Objective;
import dev.kiln.api.objective.ObjectiveContext;
import dev.kiln.api.objective.ObjectiveFactory;
import dev.kiln.api.plugin.ApiVersion;
import dev.kiln.api.plugin.Availability;
import dev.kiln.runtime.plugin.PluginDiscovery;
import dev.kiln.runtime.plugin.PluginException;
import dev.kiln.runtime.plugin.PluginJars;
import dev.kiln.runtime.plugin.PluginRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KilnInjectorTest {
    @TempDir
    Path tmp;

    /** Hermetic options: no plugin directory, an empty environment. */
    private static final KilnOptions OPTIONS = KilnOptions.defaults().withPluginDir(null).withEnv(Map.of());

    /** Three backends: "high" is the best available; "higher" outranks it but is unavailable. */
    private static final Module BACKENDS = new AbstractModule() {
        @Override
        protected void configure() {
            KilnBinders.backends(binder()).addBinding("low").toInstance(TestBackends.provider("low", 1_000_001, Availability.yes("")));
            KilnBinders.backends(binder()).addBinding("high").toInstance(TestBackends.provider("high", 1_000_002, Availability.yes("")));
            KilnBinders.backends(binder()).addBinding("higher")
                    .toInstance(TestBackends.provider("higher", 1_000_003, Availability.no("needs a test GPU")));
        }
    };

    private static Injector injector(KilnOptions options, Module... modules) {
        return Kiln.injector(options, PluginRegistry.empty(), modules);
    }

    @Test
    void aProviderThatFallsBackIsCountedOnTheInjectedRegistry() {
        Module fallingBack = new AbstractModule() {
            @Override
            protected void configure() {
                KilnBinders.backends(binder()).addBinding("gpu").toInstance(new dev.kiln.api.backend.BackendProvider() {
                    @Override public String name() { return "gpu"; }
                    @Override public String apiVersion() { return dev.kiln.api.plugin.ApiVersion.CURRENT; }
                    @Override public Backend create(dev.kiln.api.config.Config config) { return TestBackends.backend("cpu-ish"); }
                });
            }
        };
        java.io.ByteArrayOutputStream warnings = new java.io.ByteArrayOutputStream();
        Injector injector = injector(OPTIONS.withBackendFlag("gpu").withWarnings(new java.io.PrintStream(warnings, true)), fallingBack);
        assertEquals("cpu-ish", injector.getInstance(Backend.class).name());
        io.micrometer.core.instrument.MeterRegistry registry = injector.getInstance(io.micrometer.core.instrument.MeterRegistry.class);
        assertEquals(1.0, registry.get(BackendModule.FALLBACKS).tag("requested", "gpu").tag("backend", "cpu-ish").counter().count());
        org.junit.jupiter.api.Assertions.assertTrue(warnings.toString().contains("fell back"), warnings.toString());
    }

    @Test
    void defaultBackendIsTheHighestPriorityAvailableOne() {
        Injector injector = injector(OPTIONS, BACKENDS);
        assertEquals("high", injector.getInstance(Backend.class).name());
        BackendSelection selection = injector.getInstance(BackendSelection.class);
        assertEquals(BackendSelection.Origin.DEFAULT, selection.origin());
        assertSame(injector.getInstance(Backend.class), injector.getInstance(Backend.class), "one backend per injector");
    }

    @Test
    void explicitNameOverridesTheDefaultFlagThenEnvThenConfig() {
        Map<String, String> env = Map.of(BackendSelection.ENV_VAR, "low");
        KilnOptions all = OPTIONS.withBackendFlag("high").withEnv(env).withConfigBackend("low");
        assertSelected(all, "high", BackendSelection.Origin.FLAG);
        assertSelected(OPTIONS.withEnv(env).withConfigBackend("high"), "low", BackendSelection.Origin.ENV);
        assertSelected(OPTIONS.withConfigBackend("low"), "low", BackendSelection.Origin.CONFIG);
    }

    private static void assertSelected(KilnOptions options, String name, BackendSelection.Origin origin) {
        Injector injector = injector(options, BACKENDS);
        assertEquals(name, injector.getInstance(Backend.class).name());
        assertEquals(origin, injector.getInstance(BackendSelection.class).origin());
    }

    @Test
    void unknownBackendNameListsTheKnownOnes() {
        Injector injector = injector(OPTIONS.withBackendFlag("nope"), BACKENDS);
        ProvisionException e = assertThrows(ProvisionException.class, () -> injector.getInstance(Backend.class));
        assertTrue(e.getMessage().contains("unknown backend 'nope' (known: high, higher, low)"), e.getMessage());
    }

    @Test
    void knownButUnavailableBackendFailsWithItsReason() {
        Injector injector = injector(OPTIONS.withEnv(Map.of(BackendSelection.ENV_VAR, "higher")), BACKENDS);
        ProvisionException e = assertThrows(ProvisionException.class, () -> injector.getInstance(Backend.class));
        assertTrue(e.getMessage().contains("backend 'higher'") && e.getMessage().contains("needs a test GPU"), e.getMessage());
    }

    @Test
    void backendConfigIsParsedStrictly() {
        Injector injector = injector(OPTIONS.withBackendConfig(Map.of("threds", 4)), BACKENDS);
        ProvisionException e = assertThrows(ProvisionException.class, () -> injector.getInstance(Backend.class));
        assertTrue(e.getMessage().contains("'threds'") && e.getMessage().contains("known: threads"), e.getMessage());
    }

    @Test
    void userModuleOverridesTheBackendBinding() {
        Backend mine = TestBackends.backend("mine");
        Module override = new AbstractModule() {
            @Override
            protected void configure() {
                KilnBinders.backend(binder()).setBinding().toInstance(mine);
            }
        };
        // the selection is never evaluated, so even an unknown --backend does not matter
        Injector injector = injector(OPTIONS.withBackendFlag("nope"), BACKENDS, override);
        assertSame(mine, injector.getInstance(Backend.class));
    }

    @Test
    void userModuleAddsAnObjectiveWithOneLine() {
        ObjectiveFactory myobj = new ObjectiveFactory() {
            @Override public String name() { return "myobj"; }
            @Override public String apiVersion() { return ApiVersion.CURRENT; }
            @Override public Objective create(Config config, ObjectiveContext context) {
                throw new UnsupportedOperationException();
            }
        };
        Module user = new AbstractModule() {
            @Override
            protected void configure() {
                KilnBinders.objectives(binder()).addBinding("myobj").toInstance(myobj);
            }
        };
        Injector injector = injector(OPTIONS, user);
        Map<String, ObjectiveFactory> objectives =
                injector.getInstance(Key.get(new TypeLiteral<Map<String, ObjectiveFactory>>() {}));
        assertSame(myobj, objectives.get("myobj"));
        KilnPlugins plugins = injector.getInstance(KilnPlugins.class);
        assertSame(myobj, plugins.objective("myobj"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> plugins.objective("zzz"));
        assertTrue(e.getMessage().startsWith("unknown objective 'zzz' (known: ") && e.getMessage().contains("myobj"),
                e.getMessage());
    }

    @Test
    void meterRegistryIsAFreshSimpleRegistryNeverTheGlobalOne() {
        Injector first = injector(OPTIONS);
        MeterRegistry registry = first.getInstance(MeterRegistry.class);
        assertInstanceOf(SimpleMeterRegistry.class, registry);
        assertNotSame(Metrics.globalRegistry, registry);
        assertTrue(Metrics.globalRegistry.getRegistries().stream().noneMatch(r -> r == registry));
        assertSame(registry, first.getInstance(MeterRegistry.class), "one registry per injector");
        assertNotSame(registry, injector(OPTIONS).getInstance(MeterRegistry.class), "a fresh one per injector");

        MeterRegistry mine = new SimpleMeterRegistry();
        Module override = new AbstractModule() {
            @Override
            protected void configure() {
                KilnBinders.meterRegistry(binder()).setBinding().toInstance(mine);
            }
        };
        assertSame(mine, injector(OPTIONS, override).getInstance(MeterRegistry.class));
    }

    @Test
    void discoveredPluginJarsArriveInTheNameKeyedMapAndCanBeTheDefaultBackend() throws Exception {
        Path plugins = tmp.resolve("plugins");
        PluginJars.jar().backendProvider("acme.Top", "test-top", ApiVersion.CURRENT, "",
                "@Override public int priority() { return Integer.MAX_VALUE; }").writeTo(plugins.resolve("top/top.jar"));
        Path broken = PluginJars.corrupt(plugins.resolve("bad/bad.jar"));
        ByteArrayOutputStream warnings = new ByteArrayOutputStream();

        Injector injector = Kiln.injector(OPTIONS.withPluginDir(plugins)
                .withWarnings(new PrintStream(warnings, true, StandardCharsets.UTF_8)));
        try (PluginRegistry registry = injector.getInstance(PluginRegistry.class)) {
            Map<String, BackendProvider> backends =
                    injector.getInstance(Key.get(new TypeLiteral<Map<String, BackendProvider>>() {}));
            assertTrue(backends.containsKey("test-top"), backends.keySet().toString());
            assertEquals("test-top", injector.getInstance(BackendSelection.class).name());
            String printed = warnings.toString(StandardCharsets.UTF_8);
            assertTrue(printed.contains("warning") && printed.contains(broken.toString()), printed);
            assertEquals(registry, injector.getInstance(PluginRegistry.class));
        }
    }

    /** An objective factory named {@code name} in package {@code pkg} that creates nothing. */
    static PluginJars objectiveJar(String pkg, String name) {
        return PluginJars.jar().source(pkg + ".Factory", "package " + pkg + ";\n"
                        + "public class Factory implements dev.kiln.api.objective.ObjectiveFactory {\n"
                        + "  public String name() { return \"" + name + "\"; }\n"
                        + "  public String apiVersion() { return \"" + ApiVersion.CURRENT + "\"; }\n"
                        + "  public dev.kiln.api.objective.Objective create(dev.kiln.api.config.Config c,"
                        + " dev.kiln.api.objective.ObjectiveContext x) { throw new UnsupportedOperationException(\"" + pkg + "\"); }\n"
                        + "}\n")
                .service(ObjectiveFactory.class.getName(), pkg + ".Factory");
    }

    @Test
    void aSharedObjectiveNameRefusesOnlyThatNameNamingBothJars() throws Exception {
        Path plugins = tmp.resolve("plugins");
        Path one = objectiveJar("one", "test-mlm").writeTo(plugins.resolve("mlm/mlm.jar"));
        Path two = objectiveJar("two", "test-mlm").writeTo(plugins.resolve("my-mlm/my-mlm.jar"));
        objectiveJar("other", "test-clm").writeTo(plugins.resolve("clm/clm.jar"));

        try (PluginRegistry registry = new PluginDiscovery(getClass().getClassLoader(), plugins).withoutClasspath().discover()) {
            KilnPlugins kiln = injector(OPTIONS, registry, BACKENDS).getInstance(KilnPlugins.class);  // created: no Guice error
            assertEquals("high", injector(OPTIONS, registry, BACKENDS).getInstance(Backend.class).name());
            UnsupportedOperationException fine = assertThrows(UnsupportedOperationException.class,
                    () -> kiln.objective("test-clm").create(new Config("objective", Map.of()), null));
            assertEquals("other", fine.getMessage());
            PluginException e = assertThrows(PluginException.class,
                    () -> kiln.objective("test-mlm").create(new Config("objective", Map.of()), null));
            assertEquals("objective plugin name 'test-mlm' is provided by " + one + " and " + two
                    + "; refused: a command that uses 'test-mlm' fails until one of them is removed", e.getMessage());
        }
    }

    @Test
    void anObjectiveBoundInAUserModuleWinsOverADiscoveredPluginOfThatNameWithOneLine() throws Exception {
        Path plugins = tmp.resolve("plugins");
        Path jar = objectiveJar("found", "test-mlm").writeTo(plugins.resolve("mlm/mlm.jar"));
        ObjectiveFactory mine = new ObjectiveFactory() {
            @Override public String name() { return "test-mlm"; }
            @Override public String apiVersion() { return ApiVersion.CURRENT; }
            @Override public Objective create(Config config, ObjectiveContext context) { throw new UnsupportedOperationException("mine"); }
        };
        Module user = new AbstractModule() {
            @Override
            protected void configure() {
                KilnBinders.objectives(binder()).addBinding("test-mlm").toInstance(mine);
            }
        };
        ByteArrayOutputStream warnings = new ByteArrayOutputStream();
        KilnOptions options = OPTIONS.withWarnings(new PrintStream(warnings, true, StandardCharsets.UTF_8));

        try (PluginRegistry registry = new PluginDiscovery(getClass().getClassLoader(), plugins).withoutClasspath().discover()) {
            Injector injector = injector(options, registry, user);
            assertSame(mine, injector.getInstance(KilnPlugins.class).objective("test-mlm"));
            String printed = warnings.toString(StandardCharsets.UTF_8);
            assertEquals(1, printed.lines().count(), printed);
            assertTrue(printed.startsWith("kiln: objective 'test-mlm' is bound in a Guice module (")
                    && printed.strip().endsWith("); that binding wins over the plugin in " + jar), printed);
            assertTrue(printed.contains("KilnInjectorTest"), "names where the binding is: " + printed);
        }
    }

    private static Injector injector(KilnOptions options, PluginRegistry registry, Module... modules) {
        return Kiln.injector(options, registry, modules);
    }
}
