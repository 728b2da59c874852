package dev.kiln.runtime.guice;

import dev.kiln.api.backend.BackendProvider;
import dev.kiln.api.plugin.Availability;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * Which backend runs, and why. An explicit name wins over the default, in this precedence:
 * the {@code --backend} flag, then the {@value #ENV_VAR} environment variable, then the
 * {@code backend:} key of the run's config; with none of them, the available provider with the
 * highest {@link BackendProvider#priority()} (ties: alphabetical name) is the default.
 *
 * @param name     the chosen provider's name
 * @param origin   how it was chosen
 * @param provider the provider that creates the backend
 */
public record BackendSelection(String name, Origin origin, BackendProvider provider) {
    public static final String ENV_VAR = "KILN_BACKEND";

    public enum Origin {
        FLAG("--backend flag"),
        ENV(ENV_VAR + " environment variable"),
        CONFIG("config key 'backend'"),
        DEFAULT("default: highest-priority available backend");

        private final String description;

        Origin(String description) {
            this.description = description;
        }

        public String description() {
            return description;
        }
    }

    public BackendSelection {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(origin, "origin");
        Objects.requireNonNull(provider, "provider");
    }

    /** Resolves the choice from the options' flag, environment and config. */
    public static BackendSelection resolve(Map<String, BackendProvider> providers, KilnOptions options) {
        return resolve(providers, options.backendFlag(), options.env().get(ENV_VAR), options.configBackend());
    }

    /**
     * @throws IllegalArgumentException for an unknown name ("unknown backend 'x' (known: cpu, naive)")
     *                                  or a known one that is unavailable (with its reason)
     * @throws IllegalStateException    when no name was given and no backend is available
     */
    public static BackendSelection resolve(Map<String, BackendProvider> providers, String flag, String env,
                                           String config) {
        if (!isBlank(flag)) return named(providers, flag.trim(), Origin.FLAG);
        if (!isBlank(env)) return named(providers, env.trim(), Origin.ENV);
        if (!isBlank(config)) return named(providers, config.trim(), Origin.CONFIG);
        return byPriority(providers);
    }

    /** {@code cpu (--backend flag)}. */
    public String describe() {
        return name + " (" + origin.description() + ")";
    }

    private static BackendSelection named(Map<String, BackendProvider> providers, String name, Origin origin) {
        String key = providers.containsKey(name) ? name : providers.keySet().stream()
                .filter(k -> k.equalsIgnoreCase(name)).findFirst().orElse(null);
        if (key == null) {
            throw new IllegalArgumentException("unknown backend '" + name + "' (known: " + known(providers)
                    + "); it was named by the " + origin.description());
        }
        BackendProvider provider = providers.get(key);
        Availability a = availability(provider);
        if (!a.available()) {
            throw new IllegalArgumentException("backend '" + key + "' (named by the " + origin.description()
                    + ") is not available: " + reason(a));
        }
        return new BackendSelection(key, origin, provider);
    }

    /**
     * Probes providers from the highest priority down (ties: by name) and takes the first available,
     * so a lower-priority backend is never probed while a better one works: the OpenCL probe (which
     * loads JOCL and unpacks its native library) runs only when asked for.
     */
    private static BackendSelection byPriority(Map<String, BackendProvider> providers) {
        List<String> unavailable = new ArrayList<>();
        List<String> order = new ArrayList<>(new TreeSet<>(providers.keySet()));
        order.sort(java.util.Comparator.comparingInt((String n) -> providers.get(n).priority()).reversed());   // stable: names stay sorted within a priority
        for (String name : order) {
            Availability a = availability(providers.get(name));
            if (a.available()) return new BackendSelection(name, Origin.DEFAULT, providers.get(name));
            unavailable.add(name + ": " + reason(a));
        }
        if (providers.isEmpty()) {
            throw new IllegalStateException("no backend plugins found: put kiln-backend-cpu on the class path,"
                    + " or a backend jar in plugins/<id>/");
        }
        throw new IllegalStateException("no backend is available (" + String.join("; ", unavailable) + ")");
    }

    private static Availability availability(BackendProvider p) {
        try {
            Availability a = p.availability();
            return a == null ? Availability.no("availability() returned null") : a;
        } catch (Throwable e) {                         // a plugin's Error (NoClassDefFoundError, AssertionError) too
            dev.kiln.runtime.plugin.PluginBlame.rethrowIfOutOfMemory(e);
            return Availability.no("availability check failed: " + e);
        }
    }

    private static String reason(Availability a) {
        return isBlank(a.detail()) ? "(no reason given)" : a.detail();
    }

    private static String known(Map<String, ?> providers) {
        return providers.isEmpty() ? "none" : String.join(", ", new TreeSet<>(providers.keySet()));
    }

    private static boolean isBlank(String s) {
        return s == null || s.isBlank();
    }
}
