package dev.kiln.runtime.guice;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What the host tells {@link Kiln} before wiring: where plugins are, which backend the user
 * asked for and how, the backend's config section, and the environment. Immutable; use the
 * {@code with...} methods.
 *
 * @param pluginPath      the plugin directories ({@code plugins/<id>/*.jar} each), scanned in order
 *                        after the class path; a missing one is skipped (the CLI refuses one the user named)
 * @param backendFlag     the {@code --backend} command-line value, or null
 * @param configBackend   the {@code backend:} value of the run's config file, or null
 * @param backendConfig   keys for the chosen backend's {@code create(Config)}, parsed strictly
 * @param env             the environment ({@value BackendSelection#ENV_VAR} is read from it)
 * @param hostClassLoader the loader whose class path is scanned for plugins
 * @param warnings        where plugin problems are printed as warnings
 */
public record KilnOptions(List<Path> pluginPath, String backendFlag, String configBackend, Map<String, Object> backendConfig,
                          Map<String, String> env, ClassLoader hostClassLoader, PrintStream warnings) {

    public KilnOptions {
        pluginPath = pluginPath == null ? List.of() : List.copyOf(pluginPath);
        backendConfig = backendConfig == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(backendConfig));
        env = env == null ? Map.of() : Map.copyOf(env);
        Objects.requireNonNull(hostClassLoader, "hostClassLoader");
        Objects.requireNonNull(warnings, "warnings");
    }

    /** Plugin directory {@code ./plugins}, the real environment, this class's loader, warnings to stderr. */
    public static KilnOptions defaults() {
        return new KilnOptions(List.of(Path.of("plugins")), null, null, Map.of(), System.getenv(),
                KilnOptions.class.getClassLoader(), System.err);
    }

    /** One plugin directory (null: none); a missing one is skipped. */
    public KilnOptions withPluginDir(Path dir) {
        return withPluginPath(dir == null ? List.of() : List.of(dir));
    }

    /** Several plugin directories, scanned in order. */
    public KilnOptions withPluginPath(List<Path> dirs) {
        return new KilnOptions(dirs, backendFlag, configBackend, backendConfig, env, hostClassLoader, warnings);
    }

    public KilnOptions withBackendFlag(String name) {
        return new KilnOptions(pluginPath, name, configBackend, backendConfig, env, hostClassLoader, warnings);
    }

    public KilnOptions withConfigBackend(String name) {
        return new KilnOptions(pluginPath, backendFlag, name, backendConfig, env, hostClassLoader, warnings);
    }

    public KilnOptions withBackendConfig(Map<String, ?> config) {
        return new KilnOptions(pluginPath, backendFlag, configBackend, config == null ? null : new LinkedHashMap<>(config),
                env, hostClassLoader, warnings);
    }

    public KilnOptions withEnv(Map<String, String> environment) {
        return new KilnOptions(pluginPath, backendFlag, configBackend, backendConfig, environment, hostClassLoader, warnings);
    }

    public KilnOptions withHostClassLoader(ClassLoader loader) {
        return new KilnOptions(pluginPath, backendFlag, configBackend, backendConfig, env, loader, warnings);
    }

    public KilnOptions withWarnings(PrintStream out) {
        return new KilnOptions(pluginPath, backendFlag, configBackend, backendConfig, env, hostClassLoader, out);
    }
}
