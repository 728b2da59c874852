package dev.kiln.runtime.plugin;

import dev.kiln.api.plugin.KilnPlugin;
import dev.kiln.api.plugin.PluginKind;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What {@link PluginDiscovery} found: the plugins (a name two of a kind share appears twice, both
 * {@linkplain DiscoveredPlugin#isRefused() refused}), the problems,
 * and the plugin class loaders, which stay open until {@link #close()}. An instance, never a
 * global: each injector or CLI command owns its own.
 */
public final class PluginRegistry implements AutoCloseable {
    private final List<DiscoveredPlugin> plugins;
    private final List<PluginProblem> problems;
    private final List<PluginClassLoader> loaders;
    private final List<Path> pluginPath;

    PluginRegistry(List<DiscoveredPlugin> plugins, List<PluginProblem> problems, List<PluginClassLoader> loaders,
                   List<Path> pluginPath) {
        this.plugins = List.copyOf(plugins);
        this.problems = List.copyOf(problems);
        this.loaders = List.copyOf(loaders);
        this.pluginPath = List.copyOf(pluginPath);
    }

    /** No plugins at all (tests, or a host that binds everything itself). */
    public static PluginRegistry empty() {
        return new PluginRegistry(List.of(), List.of(), List.of(), List.of());
    }

    public List<DiscoveredPlugin> plugins() {
        return plugins;
    }

    public List<DiscoveredPlugin> plugins(PluginKind kind) {
        return plugins.stream().filter(p -> p.kind() == kind).toList();
    }

    public Optional<DiscoveredPlugin> find(PluginKind kind, String name) {
        return plugins.stream().filter(p -> p.kind() == kind && p.name().equals(name)).findFirst();
    }

    /** Name → factory for one kind, in discovery order; a name two plugins share maps to a {@link RefusedPlugin}. */
    public <T extends KilnPlugin> Map<String, T> factories(Class<T> service) {
        Map<String, T> out = new LinkedHashMap<>();
        for (DiscoveredPlugin p : plugins) {
            if (p.kind().service() == service) out.putIfAbsent(p.name(), p.usable(service));
        }
        return Collections.unmodifiableMap(out);
    }

    public List<String> names(PluginKind kind) {
        return plugins(kind).stream().map(DiscoveredPlugin::name).distinct().sorted().toList();
    }

    /** The plugins whose name another plugin of their kind has too: listed, never usable. */
    public List<DiscoveredPlugin> refused() {
        return plugins.stream().filter(DiscoveredPlugin::isRefused).toList();
    }

    /** Everything that went wrong, warnings and errors, in discovery order. */
    public List<PluginProblem> problems() {
        return problems;
    }

    public List<PluginProblem> errors() {
        return problems.stream().filter(PluginProblem::isError).toList();
    }

    public boolean hasErrors() {
        return problems.stream().anyMatch(PluginProblem::isError);
    }

    /** Throws a {@link PluginException} listing every error (e.g. duplicate names); warnings pass. */
    public PluginRegistry requireNoErrors() {
        List<PluginProblem> errors = errors();
        if (!errors.isEmpty()) {
            throw new PluginException("plugin discovery found " + errors.size() + " error"
                    + (errors.size() == 1 ? "" : "s") + ":", errors);
        }
        return this;
    }

    /** Prints each problem as one {@code warning: ...} / {@code error: ...} line. */
    public void printProblems(PrintStream out) {
        for (PluginProblem p : problems) out.println("kiln plugins: " + p);
    }

    /** The first plugin directory scanned, if any. */
    public Optional<Path> pluginDir() {
        return pluginPath.stream().findFirst();
    }

    /** Every plugin directory scanned, in order. */
    public List<Path> pluginPath() {
        return pluginPath;
    }

    /** The plugin folder class loaders, one per {@code plugins/<id>}. */
    public List<PluginClassLoader> classLoaders() {
        return loaders;
    }

    /** Closes the plugin class loaders; plugin factories must not be used afterwards. */
    @Override
    public void close() {
        List<String> failures = new ArrayList<>();
        for (PluginClassLoader loader : loaders) {
            try {
                loader.close();
            } catch (IOException e) {
                failures.add(loader.pluginId() + ": " + e.getMessage());
            }
        }
        if (!failures.isEmpty()) throw new IllegalStateException("cannot close plugin class loaders: " + failures);
    }
}
