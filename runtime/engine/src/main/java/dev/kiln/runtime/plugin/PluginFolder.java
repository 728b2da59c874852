package dev.kiln.runtime.plugin;

import dev.kiln.api.plugin.PluginKind;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.MalformedURLException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;

/**
 * One plugin folder {@code plugins/<id>/}: its readable jars, the provider classes each jar
 * lists in {@code META-INF/services} (so a failure can be blamed on the right jar), its optional
 * {@link PluginDescriptor}, and what was wrong with it. Jars are checked before a class loader
 * is built, because {@link java.net.URLClassLoader} silently ignores a corrupt jar.
 */
final class PluginFolder {
    final String id;
    final Path dir;
    final List<Path> jars = new ArrayList<>();
    /** provider class name → the jar whose service file lists it. */
    final Map<String, Path> providerJars = new LinkedHashMap<>();
    final List<PluginProblem> problems = new ArrayList<>();
    PluginDescriptor descriptor;

    private PluginFolder(Path dir) {
        this.dir = dir;
        this.id = dir.getFileName().toString();
    }

    /** Scans {@code dir}; problems are recorded, never thrown. */
    static PluginFolder scan(Path dir) {
        PluginFolder folder = new PluginFolder(dir);
        folder.readDescriptor();
        List<Path> candidates;
        try (Stream<Path> files = Files.list(dir)) {
            candidates = files.filter(p -> Files.isRegularFile(p) && p.getFileName().toString().endsWith(".jar"))
                    .sorted().toList();
        } catch (IOException e) {
            folder.problems.add(PluginProblem.warning(dir.toString(), "cannot list plugin folder: " + e));
            return folder;
        }
        for (Path jar : candidates) folder.checkJar(jar);
        if (candidates.isEmpty()) {
            folder.problems.add(PluginProblem.warning(dir.toString(),
                    "plugin folder has no .jar files: put the plugin's jars here or delete the folder"));
        }
        return folder;
    }

    /** Usable: has readable jars and no broken descriptor. */
    boolean loadable() {
        return !jars.isEmpty() && (descriptor != null || !Files.exists(dir.resolve(PluginDescriptor.FILE_NAME)));
    }

    List<URL> urls() {
        List<URL> urls = new ArrayList<>();
        for (Path jar : jars) {
            try {
                urls.add(jar.toUri().toURL());
            } catch (MalformedURLException e) {
                throw new IllegalStateException("cannot make a URL of " + jar, e);
            }
        }
        return Collections.unmodifiableList(urls);
    }

    /** The jar to blame for a provider failure whose message names a provider class, else the folder. */
    String blame(String message) {
        if (message != null) {
            for (Map.Entry<String, Path> e : providerJars.entrySet()) {
                if (message.contains(e.getKey())) return e.getValue().toString();
            }
        }
        return jars.size() == 1 ? jars.get(0).toString() : dir.toString();
    }

    private void readDescriptor() {
        Path file = dir.resolve(PluginDescriptor.FILE_NAME);
        if (!Files.exists(file)) return;
        try {
            descriptor = PluginDescriptor.read(file, id);
        } catch (PluginException e) {
            problems.add(PluginProblem.warning(file.toString(), e.reason() + "; plugin folder skipped"));
        }
    }

    private void checkJar(Path jar) {
        Map<String, Path> listed = new LinkedHashMap<>();
        try (JarFile jf = new JarFile(jar.toFile(), true)) {
            jf.getManifest();
            for (PluginKind kind : PluginKind.values()) {
                ZipEntry entry = jf.getEntry("META-INF/services/" + kind.service().getName());
                if (entry == null) continue;
                try (InputStream in = jf.getInputStream(entry)) {
                    for (String cls : serviceClassNames(in)) listed.putIfAbsent(cls, jar);
                }
            }
        } catch (IOException | SecurityException e) {
            problems.add(PluginProblem.warning(jar.toString(), "not a readable jar (" + e.getMessage()
                    + "); skipped, the other jars still load"));
            return;
        }
        jars.add(jar);
        listed.forEach(providerJars::putIfAbsent);
    }

    private static List<String> serviceClassNames(InputStream in) throws IOException {
        List<String> names = new ArrayList<>();
        BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        for (String line; (line = r.readLine()) != null; ) {
            int hash = line.indexOf('#');
            String name = (hash >= 0 ? line.substring(0, hash) : line).trim();
            if (!name.isEmpty()) names.add(name);
        }
        return names;
    }
}
