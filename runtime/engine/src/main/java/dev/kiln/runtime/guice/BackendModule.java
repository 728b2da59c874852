package dev.kiln.runtime.guice;

import com.google.inject.AbstractModule;
import com.google.inject.Key;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import com.google.inject.name.Named;
import com.google.inject.name.Names;
import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.BackendProvider;
import dev.kiln.api.config.Config;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.Map;

/**
 * Binds {@link Backend}: by default ({@code OptionalBinder.setDefault()}) the one the
 * {@link BackendSelection} names, created from the options' backend config. A user module
 * replaces it with {@code KilnBinders.backend(binder()).setBinding()...}; the selection (and its
 * errors) is then never evaluated. Both are singletons created on first use; the caller that
 * gets the {@link Backend} owns it and closes it.
 */
public final class BackendModule extends AbstractModule {
    static final String CHOSEN = "kiln.backend.chosen";
    /** Counter of backend fallbacks, tagged with the requested and the actual backend. */
    public static final String FALLBACKS = "kiln.backend.fallbacks";

    private final KilnOptions options;

    public BackendModule(KilnOptions options) {
        this.options = options;
    }

    @Override
    protected void configure() {
        KilnBinders.backends(binder());
        KilnBinders.backend(binder()).setDefault().to(Key.get(Backend.class, Names.named(CHOSEN)));
    }

    @Provides
    @Singleton
    BackendSelection selection(Map<String, BackendProvider> providers) {
        return BackendSelection.resolve(providers, options);
    }

    @Provides
    @Singleton
    @Named(CHOSEN)
    Backend chosenBackend(BackendSelection selection, MeterRegistry registry) {
        Config config = new Config("backend '" + selection.name() + "'", options.backendConfig());
        Backend backend = selection.provider().create(config);
        if (backend == null) {
            throw new IllegalStateException("backend provider '" + selection.name() + "' ("
                    + selection.provider().getClass().getName() + ") returned null from create()");
        }
        config.finish();
        if (!backend.name().equals(selection.name())) {   // a provider fell back (only when its config allowed it)
            Counter.builder(FALLBACKS).description("backends that fell back to another backend when created")
                    .tag("requested", selection.name()).tag("backend", backend.name()).register(registry).increment();
            options.warnings().println("warning: backend '" + selection.name() + "' fell back to '" + backend.name() + "'");
        }
        return backend;
    }
}
