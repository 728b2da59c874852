package dev.kiln.runtime.guice;

import com.google.inject.AbstractModule;
import com.google.inject.Binder;
import com.google.inject.spi.Message;
import com.google.inject.util.Providers;
import dev.kiln.api.plugin.KilnPlugin;
import dev.kiln.api.plugin.PluginKind;
import dev.kiln.runtime.plugin.DiscoveredPlugin;
import dev.kiln.runtime.plugin.PluginProblem;
import dev.kiln.runtime.plugin.PluginRegistry;

/**
 * Puts every discovered plugin into its kind's name-keyed {@code MapBinder}
 * ({@code Map<String, ObjectiveFactory>}, {@code Map<String, FineTunerFactory>},
 * {@code Map<String, BackendProvider>}) and binds the {@link PluginRegistry} itself. Discovery
 * errors (duplicate names) become injector-creation errors; warnings (skipped jars) do not.
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
        for (PluginProblem error : registry.errors()) {
            binder().addError(new Message("plugin discovery: " + error));
        }
        for (PluginKind kind : PluginKind.values()) {
            KilnBinders.plugins(binder(), kind.service());
        }
        for (DiscoveredPlugin plugin : registry.plugins()) {
            add(binder(), plugin.kind().service(), plugin);
        }
    }

    private static <T extends KilnPlugin> void add(Binder binder, Class<T> service, DiscoveredPlugin plugin) {
        KilnBinders.plugins(binder.withSource(plugin.source()), service)
                .addBinding(plugin.name()).toProvider(Providers.of(plugin.factory(service)));
    }
}
