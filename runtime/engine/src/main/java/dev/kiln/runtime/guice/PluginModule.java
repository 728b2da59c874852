package dev.kiln.runtime.guice;

import com.google.inject.AbstractModule;
import com.google.inject.Binder;
import com.google.inject.util.Providers;
import dev.kiln.api.plugin.KilnPlugin;
import dev.kiln.api.plugin.PluginKind;
import dev.kiln.runtime.plugin.DiscoveredPlugin;
import dev.kiln.runtime.plugin.PluginRegistry;

import java.util.Map;

/**
 * Puts every discovered plugin into its kind's name-keyed {@code MapBinder}
 * ({@code Map<String, ObjectiveFactory>}, {@code Map<String, FineTunerFactory>},
 * {@code Map<String, BackendProvider>}) and binds the {@link PluginRegistry} itself. A name two
 * plugins of a kind share is bound to a stand-in that fails, naming both jars, only when a command
 * uses it; discovery already printed one warning for it, and the injector is still created. A
 * name a user module binds itself is left to that binding.
 * Factories are bound as providers of the instance, so Guice never injects into plugin classes.
 */
public final class PluginModule extends AbstractModule {
    private final PluginRegistry registry;
    private final Map<PluginKind, ? extends Map<String, ?>> boundElsewhere;

    public PluginModule(PluginRegistry registry) {
        this(registry, Map.of());
    }

    /**
     * @param boundElsewhere kind → names another module binds itself: those discovered plugins are
     *                       left out, so the explicit binding wins (see {@link Kiln#injector})
     */
    PluginModule(PluginRegistry registry, Map<PluginKind, ? extends Map<String, ?>> boundElsewhere) {
        this.registry = registry;
        this.boundElsewhere = boundElsewhere;
    }

    @Override
    protected void configure() {
        bind(PluginRegistry.class).toInstance(registry);
        for (PluginKind kind : PluginKind.values()) {
            KilnBinders.plugins(binder(), kind.service());
        }
        java.util.Set<String> bound = new java.util.HashSet<>();
        for (DiscoveredPlugin plugin : registry.plugins()) {
            Map<String, ?> explicit = boundElsewhere.get(plugin.kind());
            if (explicit != null && explicit.containsKey(plugin.name())) continue;
            if (bound.add(plugin.kind() + "/" + plugin.name())) add(binder(), plugin.kind().service(), plugin);
        }
    }

    private static <T extends KilnPlugin> void add(Binder binder, Class<T> service, DiscoveredPlugin plugin) {
        KilnBinders.plugins(binder.withSource(plugin.source()), service)
                .addBinding(plugin.name()).toProvider(Providers.of(plugin.usable(service)));
    }
}
