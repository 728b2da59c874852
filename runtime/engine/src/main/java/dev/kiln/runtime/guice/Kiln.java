package dev.kiln.runtime.guice;

import com.google.inject.AbstractModule;
import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.Module;
import dev.kiln.api.plugin.PluginKind;
import dev.kiln.runtime.plugin.PluginDiscovery;
import dev.kiln.runtime.plugin.PluginRegistry;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The entry point that composes Kiln's Guice modules ({@link PluginModule},
 * {@link BackendModule}, {@link MetricsModule}) with the user's own modules.
 *
 * <pre>{@code
 * Injector injector = Kiln.injector(KilnOptions.defaults().withBackendFlag(flag), new MyModule());
 * Backend backend = injector.getInstance(Backend.class);
 * ObjectiveFactory clm = injector.getInstance(KilnPlugins.class).objective("clm");
 * }</pre>
 *
 * The injector owns the plugin class loaders through its {@link PluginRegistry}: close it
 * ({@code injector.getInstance(PluginRegistry.class).close()}) when the run is over.
 */
public final class Kiln {
    private Kiln() {}

    /** Discovers plugins (printing problems as warnings), then builds the injector. */
    public static Injector injector(KilnOptions options, Module... userModules) {
        return injector(options, discover(options), userModules);
    }

    /**
     * Builds the injector over an already discovered registry (e.g. the CLI's). A plugin name a
     * user module binds itself ({@code KilnBinders.objectives(binder()).addBinding("mlm")}) wins
     * over a discovered plugin of that name, with one line on {@code options.warnings()}.
     */
    public static Injector injector(KilnOptions options, PluginRegistry registry, Module... userModules) {
        Map<PluginKind, Map<String, Object>> explicit = UserBindings.pluginNames(List.of(userModules));
        explicit.forEach((kind, names) -> names.forEach((name, source) -> registry.plugins().stream()
                .filter(p -> p.kind() == kind && p.name().equals(name)).forEach(p -> options.warnings().println(
                        "kiln: " + kind.label() + " '" + name + "' is bound in a Guice module (" + source
                                + "); that binding wins over the plugin in " + p.source()))));
        List<Module> modules = new ArrayList<>();
        modules.add(module(options, registry, explicit));
        modules.addAll(List.of(userModules));
        return Guice.createInjector(modules);
    }

    /**
     * Class path plus {@code options.pluginPath()}; each problem is printed to {@code options.warnings()}.
     * A plugin that calls System.exit while it is created is named there, and the exit status is 1.
     */
    public static PluginRegistry discover(KilnOptions options) {
        PluginRegistry registry = new PluginDiscovery(options.hostClassLoader(), options.pluginPath())
                .discover((culprit, foundSoFar, notCreated) -> exitedDuringDiscovery(options, culprit));
        registry.printProblems(options.warnings());
        return registry;
    }

    /**
     * A plugin called System.exit while discovery created it: say who, then end with status 1
     * whatever status the plugin asked for (an exit 0 would pass for a finished run).
     */
    private static void exitedDuringDiscovery(KilnOptions options, String culprit) {
        options.warnings().println("kiln: error: " + culprit + " called System.exit while Kiln was creating it;"
                + " plugins are trusted code: remove this one from the plugin folder");
        options.warnings().flush();
        Runtime.getRuntime().halt(1);
    }

    /** Kiln's own modules as one, for hosts that build their injector themselves. */
    public static Module module(KilnOptions options, PluginRegistry registry) {
        return module(options, registry, Map.of());
    }

    private static Module module(KilnOptions options, PluginRegistry registry,
                                 Map<PluginKind, ? extends Map<String, ?>> boundElsewhere) {
        return new AbstractModule() {
            @Override
            protected void configure() {
                bind(KilnOptions.class).toInstance(options);
                install(new PluginModule(registry, boundElsewhere));
                install(new BackendModule(options));
                install(new MetricsModule());
            }
        };
    }
}
