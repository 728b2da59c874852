package dev.kiln.runtime.plugin;

import dev.kiln.api.plugin.ApiVersion;
import dev.kiln.api.plugin.Availability;
import dev.kiln.api.plugin.KilnPlugin;
import dev.kiln.api.plugin.PluginKind;

import java.util.ArrayList;
import java.util.List;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Spliterator;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Runs {@link ServiceLoader} for one plugin kind over one class loader: {@link #list} finds the
 * providers without running plugin code, {@link #create} turns each into a {@link DiscoveredPlugin}, or into a {@link PluginProblem} when its class is missing, its
 * constructor throws (an exception or any {@link Error} but {@link OutOfMemoryError}), its name is blank or its API version is incompatible. One bad provider
 * never stops the others.
 */
final class ProviderScanner {
    /** Where providers come from: the host class path, or one plugin folder. */
    interface Origin {
        ClassLoader loader();

        /** The source recorded for a provider class: {@code classpath} or its jar's path. */
        String sourceOf(Class<?> providerClass);

        /** Where a problem with this provider class is reported: by default its source. */
        default String where(Class<?> providerClass) { return sourceOf(providerClass); }

        /** Where to report a failure that happened before the provider class was known. */
        String blame(Throwable error);

        /** Version to report when a factory says only "dev"; null for none. */
        String fallbackVersion();
    }

    /** ServiceLoader recovers after a bad entry; this bounds a pathological loop. */
    private static final int MAX_FAILURES = 1000;

    private ProviderScanner() {}

    /** A provider ServiceLoader found, its class loaded but not initialized: nothing of the plugin has run yet. */
    record Found(PluginKind kind, Origin origin, ServiceLoader.Provider<? extends KilnPlugin> provider) {
        /** "objective provider CLASS (SOURCE)", how messages and the exit report name it. */
        String describe() {
            return kind.label() + " provider " + provider.type().getName() + " (" + origin.where(provider.type()) + ")";
        }
    }

    /**
     * The providers of one kind in one origin, without creating any: ServiceLoader loads each class
     * without initializing it, so no plugin code runs. Entries that cannot be loaded become problems.
     */
    static List<Found> list(PluginKind kind, Origin origin, Consumer<PluginProblem> problems) {
        ServiceLoader<? extends KilnPlugin> loader = ServiceLoader.load(kind.service(), origin.loader());
        Spliterator<? extends ServiceLoader.Provider<? extends KilnPlugin>> providers = loader.stream().spliterator();
        List<Found> out = new ArrayList<>();
        int failures = 0;
        while (true) {
            try {
                if (!providers.tryAdvance(p -> out.add(new Found(kind, origin, p)))) return out;
            } catch (Throwable e) {                 // ServiceConfigurationError, LinkageError, any Error of the plugin
                PluginBlame.rethrowIfOutOfMemory(e);
                problems.accept(PluginProblem.warning(origin.blame(e),
                        "cannot load a " + kind.label() + " provider: " + describe(e) + "; skipped"));
                if (++failures >= MAX_FAILURES) return out;
            }
        }
    }

    /**
     * Creates one listed provider and inspects it: a {@link DiscoveredPlugin}, or a problem.
     * @param running told the provider's {@link Found#describe()} before plugin code runs (its constructor, name(), ...) and
     *                null after: who to blame should that code end the JVM
     */
    static void create(Found f, Consumer<DiscoveredPlugin> found, Consumer<PluginProblem> problems, Consumer<String> running) {
        Class<?> type = f.provider().type();
        Origin origin = f.origin();
        String source = origin.sourceOf(type), where = origin.where(type);
        KilnPlugin plugin;
        running.accept(f.describe());
        try {
            plugin = withContextLoader(origin.loader(), f.provider()::get);
        } catch (Throwable e) {
            running.accept(null);
            PluginBlame.rethrowIfOutOfMemory(e);
            problems.accept(PluginProblem.warning(where, "cannot create " + f.kind().label() + " provider "
                    + type.getName() + ": " + describe(e) + "; skipped"));
            return;
        }
        try {
            inspect(f.kind(), plugin, source, where, origin, found, problems);
        } finally {
            running.accept(null);
        }
    }

    private static void inspect(PluginKind kind, KilnPlugin plugin, String source, String where, Origin origin,
                                Consumer<DiscoveredPlugin> found, Consumer<PluginProblem> problems) {
        String cls = plugin.getClass().getName();
        ClassLoader loader = origin.loader();
        String name;
        String api;
        try {
            name = withContextLoader(loader, plugin::name);
            api = withContextLoader(loader, plugin::apiVersion);
        } catch (Throwable e) {
            PluginBlame.rethrowIfOutOfMemory(e);
            problems.accept(PluginProblem.warning(where, kind.label() + " provider " + cls
                    + " failed to report its name or API version: " + describe(e) + "; skipped"));
            return;
        }
        if (name == null || name.isBlank() || !name.equals(name.trim())) {
            problems.accept(PluginProblem.warning(where, kind.label() + " provider " + cls
                    + " has name '" + name + "': expected a non-blank name without surrounding spaces; skipped"));
            return;
        }
        String what = kind.label() + " plugin '" + name + "' (" + cls + ")";
        ApiVersion host = ApiVersion.current();
        ApiVersion built;
        try {
            built = ApiVersion.parse(api);
        } catch (IllegalArgumentException e) {
            problems.accept(PluginProblem.warning(where, what + " declares API version '" + api
                    + "': expected MAJOR.MINOR such as " + host + "; refused"));
            return;
        }
        if (!host.canHost(built)) {
            problems.accept(PluginProblem.warning(where, what + " was built against Kiln plugin API " + built
                    + ", but this Kiln provides API " + host + " (a plugin needs the same major version and a minor"
                    + " version no newer than the host's); refused: rebuild it against kiln-core-api " + host));
            return;
        }
        String version = safeVersion(plugin, loader);
        if ("dev".equals(version) && origin.fallbackVersion() != null) version = origin.fallbackVersion();
        found.accept(DiscoveredPlugin.probedLazily(kind, name, version, source, built.toString(), () -> safeAvailability(plugin, loader), plugin));
    }

    private static String safeVersion(KilnPlugin plugin, ClassLoader loader) {
        try {
            String v = withContextLoader(loader, plugin::version);
            return v == null || v.isBlank() ? "?" : v;
        } catch (Throwable e) {
            PluginBlame.rethrowIfOutOfMemory(e);
            return "?";
        }
    }

    private static Availability safeAvailability(KilnPlugin plugin, ClassLoader loader) {
        try {
            Availability a = withContextLoader(loader, plugin::availability);
            return a == null ? Availability.no("availability() returned null") : a;
        } catch (Throwable e) {
            PluginBlame.rethrowIfOutOfMemory(e);
            return Availability.no("availability check failed: " + describe(e));
        }
    }

    /** Calls into plugin code with the plugin's loader as context loader (Trino's ThreadContextClassLoader). */
    static <T> T withContextLoader(ClassLoader loader, Supplier<T> call) {
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(loader);
        try {
            return call.get();
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    /** "msg; caused by IllegalStateException: boom", the whole cause chain on one line. */
    static String describe(Throwable e) {
        StringBuilder sb = new StringBuilder();
        int depth = 0;
        for (Throwable t = e; t != null && depth < 8; t = t.getCause() == t ? null : t.getCause(), depth++) {
            if (depth > 0) sb.append("; caused by ");
            String msg = t.getMessage();
            boolean plainError = t instanceof ServiceConfigurationError && msg != null;
            sb.append(plainError ? msg : t.getClass().getSimpleName() + (msg == null ? "" : ": " + msg));
        }
        return sb.toString();
    }
}
