package dev.kiln.runtime.plugin;

import dev.kiln.api.plugin.ApiVersion;
import dev.kiln.api.plugin.KilnPlugin;
import dev.kiln.api.plugin.PluginKind;

import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Finds every plugin of every {@link PluginKind}:
 * <ol>
 *   <li>with {@link java.util.ServiceLoader} on the host class path (source {@value #CLASSPATH});</li>
 *   <li>in each folder of a plugin path, laid out as {@code plugins/<id>/*.jar} (Flink's
 *       {@code DirectoryBasedPluginFinder}): all jars of one folder share one
 *       {@link PluginClassLoader}, which sees only the JDK and the Kiln plugin API of the host.
 *       A folder may hold an optional {@value PluginDescriptor#FILE_NAME}.</li>
 * </ol>
 * Nothing here throws for a bad plugin: each one becomes a {@link PluginProblem} in the
 * returned {@link PluginRegistry} and the rest still load.
 */
public final class PluginDiscovery {
    /** The source of a plugin found on the host class path. */
    public static final String CLASSPATH = "classpath";

    private final ClassLoader hostLoader;
    private final List<Path> pluginPath;
    private final boolean scanClasspath;

    /**
     * @param hostLoader the loader whose class path is scanned (usually the application's)
     * @param pluginDir  the plugin directory, or null for none; a missing directory is not an error
     */
    public PluginDiscovery(ClassLoader hostLoader, Path pluginDir) {
        this(hostLoader, pluginDir == null ? List.of() : List.of(pluginDir), true);
    }

    /**
     * @param pluginPath plugin directories, scanned in order; a missing one is skipped (the host
     *                   says whether that is an error: see {@code KilnOptions})
     */
    public PluginDiscovery(ClassLoader hostLoader, List<Path> pluginPath) {
        this(hostLoader, pluginPath, true);
    }

    private PluginDiscovery(ClassLoader hostLoader, List<Path> pluginPath, boolean scanClasspath) {
        this.hostLoader = hostLoader;
        this.pluginPath = List.copyOf(pluginPath);
        this.scanClasspath = scanClasspath;
    }

    /** Class path of this class's loader plus {@code pluginDir} (may be null). */
    public static PluginRegistry discover(Path pluginDir) {
        return new PluginDiscovery(PluginDiscovery.class.getClassLoader(), pluginDir).discover();
    }

    /** Only the plugin directory, not the host class path (tests, tooling). */
    public PluginDiscovery withoutClasspath() {
        return new PluginDiscovery(hostLoader, pluginPath, false);
    }

    /** Called from a shutdown hook when plugin code ends the JVM (System.exit) while discovery runs it. */
    public interface ExitHandler {
        /**
         * @param culprit    "objective provider CLASS (JAR)"
         * @param foundSoFar what was discovered before it (no collisions resolved); do not close it
         * @param notCreated the providers found but not created yet when it exited, described as the culprit is
         */
        void exited(String culprit, PluginRegistry foundSoFar, List<String> notCreated);
    }

    public PluginRegistry discover() {
        return discover((ExitHandler) null);
    }

    /**
     * Discovers, and should a plugin's constructor (or name(), version() ...) call
     * {@code System.exit}, calls {@code onExit} from a shutdown hook first, so that the host can
     * still say what it found and who ended the run. Kiln installs no SecurityManager: plugins are
     * trusted code, and this only makes the exit explainable.
     */
    public PluginRegistry discover(ExitHandler onExit) {
        Collector collector = new Collector();
        Thread hook = onExit == null ? null : new Thread(() -> {
            String culprit = collector.running;
            if (culprit != null) {
                onExit.exited(culprit, new PluginRegistry(List.copyOf(collector.plugins), List.copyOf(collector.problems),
                        List.copyOf(collector.loaders), pluginPath), collector.notCreated());
            }
        }, "kiln-plugin-exit-report");
        if (hook != null) Runtime.getRuntime().addShutdownHook(hook);
        try {
            return scanAll(collector);
        } finally {
            if (hook != null) removeHook(hook);
        }
    }

    private static void removeHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the JVM is exiting anyway
        }
    }

    /**
     * Lists every provider of every origin first (no plugin code runs), then creates them in that
     * order, so an exit inside one still leaves the rest named ({@link ExitHandler}).
     */
    private PluginRegistry scanAll(Collector collector) {
        if (scanClasspath) {
            ClasspathOrigin origin = new ClasspathOrigin(hostLoader);
            for (PluginKind kind : PluginKind.values()) collector.listed.addAll(ProviderScanner.list(kind, origin, collector.problems::add));
        }
        for (Path dir : pluginPath) scanDirectory(dir, collector);
        for (int i = 0; i < collector.listed.size(); i++) {
            collector.next = i;
            ProviderScanner.create(collector.listed.get(i), collector::add, collector.problems::add, collector::running);
        }
        collector.next = collector.listed.size();
        List<DiscoveredPlugin> plugins = collector.resolveCollisions();
        return new PluginRegistry(plugins, collector.problems, collector.loaders, pluginPath);
    }

    private static void scanDirectory(Path pluginDir, Collector collector) {
        if (!Files.exists(pluginDir)) return;
        if (!Files.isDirectory(pluginDir)) {
            collector.problems.add(PluginProblem.warning(pluginDir.toString(),
                    "plugin directory is not a directory: expected plugins/<id>/*.jar"));
            return;
        }
        List<Path> entries;
        try (Stream<Path> list = Files.list(pluginDir)) {
            entries = list.sorted().toList();
        } catch (IOException e) {
            collector.problems.add(PluginProblem.warning(pluginDir.toString(), "cannot list plugin directory: " + e));
            return;
        }
        for (Path entry : entries) {
            if (Files.isDirectory(entry)) {
                scanFolder(PluginFolder.scan(entry), collector);
            } else if (entry.getFileName().toString().endsWith(".jar")) {
                collector.problems.add(PluginProblem.warning(entry.toString(), "jar directly in the plugin directory"
                        + " is ignored: put each plugin's jars in their own folder, " + pluginDir.resolve("<id>")
                        + "/"));
            }
        }
    }

    private static void scanFolder(PluginFolder folder, Collector collector) {
        collector.problems.addAll(folder.problems);
        if (!folder.loadable()) return;
        PluginDescriptor descriptor = folder.descriptor;
        if (descriptor != null) {
            ApiVersion built = ApiVersion.parse(descriptor.apiVersion());
            ApiVersion host = ApiVersion.current();
            if (!host.canHost(built)) {
                collector.problems.add(PluginProblem.warning(folder.dir.resolve(PluginDescriptor.FILE_NAME).toString(),
                        "plugin '" + folder.id + "' was built against Kiln plugin API " + built + ", but this Kiln"
                        + " provides API " + host + "; refused: rebuild it against kiln-core-api " + host));
                return;
            }
        }
        PluginClassLoader loader = new PluginClassLoader(folder.id, folder.urls(), KilnPlugin.class.getClassLoader());
        collector.loaders.add(loader);
        FolderOrigin origin = new FolderOrigin(folder, loader);
        for (PluginKind kind : PluginKind.values()) collector.listed.addAll(ProviderScanner.list(kind, origin, collector.problems::add));
    }

    /**
     * Accumulates plugins and problems. Two plugins of one kind with one name are both kept (for
     * the listing) but refused: one warning names both sources, and the name is bound to a
     * {@link RefusedPlugin} that fails only when a command uses it.
     */
    private static final class Collector {
        final List<DiscoveredPlugin> plugins = new ArrayList<>();
        final List<PluginProblem> problems = new ArrayList<>();
        final List<PluginClassLoader> loaders = new ArrayList<>();
        final Map<PluginKind, Map<String, List<DiscoveredPlugin>>> byName = new EnumMap<>(PluginKind.class);
        /** Every provider found, in the order they are created. */
        final List<ProviderScanner.Found> listed = new ArrayList<>();
        /** The index in {@link #listed} being created now. */
        volatile int next;
        /** The plugin code running now, read by the exit hook. */
        volatile String running;

        /** The providers after the one being created, named for the exit report. */
        List<String> notCreated() {
            List<String> out = new ArrayList<>();
            for (int i = next + 1; i < listed.size(); i++) out.add(listed.get(i).describe());
            return out;
        }

        void running(String what) {
            running = what;
        }

        void add(DiscoveredPlugin p) {
            List<DiscoveredPlugin> same = byName.computeIfAbsent(p.kind(), k -> new java.util.LinkedHashMap<>())
                    .computeIfAbsent(p.name(), n -> new ArrayList<>());
            same.add(p);
            plugins.add(p);
        }

        /** Marks each shared name refused (both rows say why) and warns once per name. */
        List<DiscoveredPlugin> resolveCollisions() {
            Map<DiscoveredPlugin, DiscoveredPlugin> refused = new java.util.IdentityHashMap<>();
            for (Map<String, List<DiscoveredPlugin>> names : byName.values()) {
                for (List<DiscoveredPlugin> same : names.values()) {
                    if (same.size() < 2) continue;
                    DiscoveredPlugin first = same.get(0);
                    String sources = String.join(" and ", same.stream().map(DiscoveredPlugin::describeSource).toList());
                    String reason = first.kind().label() + " plugin name '" + first.name() + "' is provided by " + sources
                            + "; refused: a command that uses '" + first.name() + "' fails until one of them is removed";
                    problems.add(PluginProblem.warning(same.get(1).source(), reason));
                    for (DiscoveredPlugin p : same) refused.put(p, p.refused(reason));
                }
            }
            return plugins.stream().map(p -> refused.getOrDefault(p, p)).toList();
        }
    }

    /** Class-path providers are recorded as {@value #CLASSPATH}; problems name the jar as well. */
    private record ClasspathOrigin(ClassLoader loader) implements ProviderScanner.Origin {
        @Override public String sourceOf(Class<?> providerClass) { return CLASSPATH; }
        @Override public String where(Class<?> providerClass) { return located(jarOf(providerClass)); }
        @Override public String fallbackVersion() { return null; }

        /** The jar of the first frame of the error (or its causes) whose class is not the JDK's or Kiln's own. */
        @Override
        public String blame(Throwable error) {
            java.util.Set<Throwable> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
            for (Throwable t = error; t != null && seen.add(t); t = t.getCause()) {
                for (StackTraceElement frame : t.getStackTrace()) {
                    if (frame.getModuleName() != null || frame.getClassName().startsWith("dev.kiln.runtime.")) continue;
                    try {
                        Path jar = jarOf(Class.forName(frame.getClassName(), false, loader));
                        if (jar != null) return located(jar);
                    } catch (ClassNotFoundException | LinkageError e) {
                        // not a class this loader can see: try the next frame
                    }
                }
            }
            return CLASSPATH;
        }

        private static String located(Path jar) { return jar == null ? CLASSPATH : CLASSPATH + " (" + jar + ")"; }
    }

    /** The jar or folder a class was loaded from, or null when it has no file location. */
    static Path jarOf(Class<?> c) {
        CodeSource cs = c.getProtectionDomain().getCodeSource();
        URL url = cs == null ? null : cs.getLocation();
        if (url == null || !"file".equals(url.getProtocol())) return null;
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException | IllegalArgumentException e) {
            return null;
        }
    }

    private record FolderOrigin(PluginFolder folder, PluginClassLoader loader) implements ProviderScanner.Origin {
        @Override
        public String sourceOf(Class<?> providerClass) {
            Path jar = jarOf(providerClass);
            if (jar != null) return jar.toString();
            Path listed = folder.providerJars.get(providerClass.getName());
            return listed != null ? listed.toString() : folder.dir.toString();
        }

        @Override
        public String blame(Throwable error) {
            return folder.blame(ProviderScanner.describe(error));
        }

        @Override
        public String fallbackVersion() {
            return folder.descriptor == null ? null : folder.descriptor.version();
        }
    }
}
