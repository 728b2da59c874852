package dev.kiln.runtime.guice;

import com.google.inject.AbstractModule;
import com.google.inject.Binder;
import com.google.inject.util.Providers;
import dev.kiln.api.plugin.KilnPlugin;
import dev.kiln.api.plugin.PluginKind;
import dev.kiln.runtime.plugin.DiscoveredPlugin;
import dev.kiln.runtime.plugin.PluginRegistry;

/**
 * Puts every discovered plugin into its kind's name-keyed {@code MapBinder}
 * ({@code Map<String, ObjectiveFactory>}, {@code Map<String, FineTunerFactory>},
 * {@code Map<String, BackendProvider>}) and binds the {@link PluginRegistry} itself. A name two
 * plugins of a kind share is bound to a stand-in that fails, naming both jars, only when a command
 * uses it; discovery already printed one warning for it, and the injector is still created.
 * Factories are bound as providers of the instance, so Guice never injects into plugin classes.
 */
public final class PluginModule extends AbstractModule {
    private final PluginRegistry registry;

    public PluginModule(PluginRegistry registry) {
        this.registry = registry;
    }

    @Override
    protected void configure() {
        bind(PluginRegistry.class).toInstance(registry);
        for (PluginKind kind : PluginKind.values()) {
            KilnBinders.plugins(binder(), kind.service());
        }
        java.util.Set<String> bound = new java.util.HashSet<>();
        for (DiscoveredPlugin plugin : registry.plugins()) {
            if (bound.add(plugin.kind() + "/" + plugin.name())) add(binder(), plugin.kind().service(), plugin);
        }
    }

    private static <T extends KilnPlugin> void add(Binder binder, Class<T> service, DiscoveredPlugin plugin) {
        KilnBinders.plugins(binder.withSource(plugin.source()), service)
                .addBinding(plugin.name()).toProvider(Providers.of(plugin.usable(service)));
    }
}
