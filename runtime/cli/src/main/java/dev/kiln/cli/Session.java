package dev.kiln.cli;

import com.google.inject.ConfigurationException;
import com.google.inject.CreationException;
import com.google.inject.Injector;
import com.google.inject.Module;
import com.google.inject.ProvisionException;
import com.google.inject.spi.Message;
import dev.kiln.api.backend.Backend;
import dev.kiln.runtime.guice.BackendSelection;
import dev.kiln.runtime.guice.Kiln;
import dev.kiln.runtime.guice.KilnOptions;
import dev.kiln.runtime.plugin.PluginRegistry;

import java.io.PrintStream;
import java.util.Collection;
import java.util.Map;
import java.util.function.Supplier;

/**
 * One command's wiring: plugin discovery over the class path and the plugin folders, the Guice
 * injector, and the backend it chose. Guice's wrapped errors are unwrapped to the message that
 * says what was wrong ("unknown backend 'x' (known: cpu, naive)..."). Closing it closes the
 * backend and the plugin class loaders.
 */
final class Session implements AutoCloseable {
    private final PluginRegistry registry;
    private final Injector injector;
    private Backend backend;

    private Session(PluginRegistry registry, Injector injector) {
        this.registry = registry;
        this.injector = injector;
    }

    /**
     * @param configBackend the run config's {@code backend:} value, or null
     * @param backendConfig keys for the backend's create(Config), e.g. {@code threads}
     * @param modules       more Guice modules (e.g. one binding the meter registry)
     */
    static Session open(KilnCli root, String configBackend, Map<String, ?> backendConfig, PrintStream warnings, Module... modules) {
        KilnOptions options = options(root, warnings).withConfigBackend(configBackend).withBackendConfig(backendConfig);
        PluginRegistry registry = Kiln.discover(options);
        root.opened(registry);
        try {
            return new Session(registry, unwrap(() -> Kiln.injector(options, registry, modules)));
        } catch (RuntimeException e) {
            registry.close();
            throw e;
        }
    }

    static KilnOptions options(KilnCli root, PrintStream warnings) {
        return KilnOptions.defaults().withPluginPath(root.pluginPath()).withBackendFlag(root.backend)
                .withEnv(root.env()).withHostClassLoader(KilnCli.class.getClassLoader()).withWarnings(warnings);
    }

    <T> T get(Class<T> type) {
        return unwrap(() -> injector.getInstance(type));
    }

    Backend backend() {
        if (backend == null) backend = get(Backend.class);
        return backend;
    }

    /** "cpu (--backend flag)", or the backend's name when a user module bound it. */
    String backendDescription() {
        try {
            return get(BackendSelection.class).describe();
        } catch (RuntimeException e) {
            return backend().name();
        }
    }

    PluginRegistry registry() {
        return registry;
    }

    @Override
    public void close() {
        try {
            if (backend != null) backend.close();
        } catch (Exception e) {
            throw new IllegalStateException("cannot close backend " + backend.name() + ": " + e.getMessage(), e);
        } finally {
            registry.close();
        }
    }

    /** Runs a Guice call, rethrowing the first underlying cause (or a one-line summary of the messages). */
    static <T> T unwrap(Supplier<T> call) {
        try {
            return call.get();
        } catch (ProvisionException e) {
            throw rethrow(e.getErrorMessages(), e);
        } catch (CreationException e) {
            throw rethrow(e.getErrorMessages(), e);
        } catch (ConfigurationException e) {
            throw rethrow(e.getErrorMessages(), e);
        }
    }

    private static RuntimeException rethrow(Collection<Message> messages, RuntimeException original) {
        for (Message m : messages) {
            Throwable cause = m.getCause();
            while (cause instanceof ProvisionException pe && pe.getCause() != null) cause = pe.getCause();
            if (cause instanceof RuntimeException re) return re;
            if (cause instanceof Error err) throw err;
        }
        StringBuilder sb = new StringBuilder();
        for (Message m : messages) sb.append(sb.length() == 0 ? "" : "; ").append(m.getMessage());
        return new IllegalStateException(sb.length() == 0 ? original.getMessage() : sb.toString(), original);
    }
}
