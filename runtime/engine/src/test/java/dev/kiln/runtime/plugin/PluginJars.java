package dev.kiln.runtime.plugin;

import dev.kiln.api.plugin.KilnPlugin;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;

/**
 * Builds real plugin jars inside a test: compiles Java sources with the system compiler against
 * core-api only (as a third-party plugin would be built) and writes them with a
 * {@code META-INF/services} file.
 */
public final class PluginJars {
    private final Map<String, String> sources = new LinkedHashMap<>();
    private final Map<String, List<String>> services = new LinkedHashMap<>();
    private final List<String> omitted = new ArrayList<>();
    private String implementationVersion;

    public static PluginJars jar() {
        return new PluginJars();
    }

    /** A BackendProvider named {@code name}, declaring {@code apiVersion}, registered as a service. */
    public static PluginJars backend(String className, String name, String apiVersion) {
        return jar().backendProvider(className, name, apiVersion, "", "");
    }

    /**
     * A BackendProvider named {@code name} whose create() calls {@code pkg.Lib}, a library it was
     * compiled against but whose class is not in its jar (a plugin that forgot to bundle one).
     */
    public static PluginJars needsLibrary(String pkg, String name) {
        return jar().source(pkg + ".Lib", "package " + pkg + "; public class Lib { public static void use() {} }")
                .omit(pkg + ".Lib")
                .source(pkg + ".NeedsLib", "package " + pkg + ";\n"
                        + "public class NeedsLib implements dev.kiln.api.backend.BackendProvider {\n"
                        + "  public String name() { return \"" + name + "\"; }\n"
                        + "  public String apiVersion() { return \"" + dev.kiln.api.plugin.ApiVersion.CURRENT + "\"; }\n"
                        + "  public dev.kiln.api.backend.Backend create(dev.kiln.api.config.Config c) { Lib.use(); return null; }\n"
                        + "}\n")
                .service("dev.kiln.api.backend.BackendProvider", pkg + ".NeedsLib");
    }

    /**
     * Adds a BackendProvider class.
     *
     * @param constructorBody statements run in its public no-arg constructor
     * @param members         extra methods (e.g. an availability() override)
     */
    public PluginJars backendProvider(String className, String name, String apiVersion, String constructorBody,
                                      String members) {
        int dot = className.lastIndexOf('.');
        String pkg = className.substring(0, dot);
        String simple = className.substring(dot + 1);
        String src = "package " + pkg + ";\n"
                + "public class " + simple + " implements dev.kiln.api.backend.BackendProvider {\n"
                + "  public " + simple + "() { " + constructorBody + " }\n"
                + "  @Override public String name() { return \"" + name + "\"; }\n"
                + "  @Override public String apiVersion() { return \"" + apiVersion + "\"; }\n"
                + "  @Override public dev.kiln.api.backend.Backend create(dev.kiln.api.config.Config config) {\n"
                + "    throw new UnsupportedOperationException(\"test plugin: discovery never creates\");\n"
                + "  }\n"
                + members + "\n"
                + "}\n";
        sources.put(className, src);
        return service("dev.kiln.api.backend.BackendProvider", className);
    }

    /** Adds a Java source file for {@code className} (compiled against core-api only). */
    public PluginJars source(String className, String javaSource) {
        sources.put(className, javaSource);
        return this;
    }

    /**
     * Compiles {@code className} (and its nested classes) but leaves it out of the jar, as a
     * library a plugin uses but did not bundle: using it is a {@link NoClassDefFoundError}.
     */
    public PluginJars omit(String className) {
        omitted.add(className.replace('.', '/'));
        return this;
    }

    /** Lists {@code implClass} in {@code META-INF/services/<service>} (it need not exist). */
    public PluginJars service(String service, String implClass) {
        services.computeIfAbsent(service, k -> new ArrayList<>()).add(implClass);
        return this;
    }

    public PluginJars implementationVersion(String version) {
        this.implementationVersion = version;
        return this;
    }

    /** Compiles and writes the jar at {@code jar} (parent folders are created). */
    public Path writeTo(Path jar) throws IOException {
        Files.createDirectories(jar.getParent());
        Path work = Files.createTempDirectory("kiln-plugin-src");
        try {
            write(jar, work);
        } finally {
            try (Stream<Path> walk = Files.walk(work)) {
                for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
            }
        }
        return jar;
    }

    private void write(Path jar, Path work) throws IOException {
        Path classes = Files.createDirectories(work.resolve("classes"));
        if (!sources.isEmpty()) compile(work, classes);
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        if (implementationVersion != null) {
            manifest.getMainAttributes().put(Attributes.Name.IMPLEMENTATION_VERSION, implementationVersion);
        }
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream jos = new JarOutputStream(out, manifest)) {
            List<Path> files;
            try (Stream<Path> walk = Files.walk(classes)) {
                files = walk.filter(Files::isRegularFile).filter(f -> !isOmitted(classes.relativize(f))).sorted().toList();
            }
            for (Path f : files) {
                jos.putNextEntry(new JarEntry(classes.relativize(f).toString().replace('\\', '/')));
                jos.write(Files.readAllBytes(f));
                jos.closeEntry();
            }
            for (Map.Entry<String, List<String>> s : services.entrySet()) {
                jos.putNextEntry(new JarEntry("META-INF/services/" + s.getKey()));
                jos.write((String.join("\n", s.getValue()) + "\n").getBytes(StandardCharsets.UTF_8));
                jos.closeEntry();
            }
        }
    }

    private boolean isOmitted(Path classFile) {
        String name = classFile.toString().replace('\\', '/');
        return omitted.stream().anyMatch(o -> name.equals(o + ".class") || name.startsWith(o + "$"));
    }

    /** A file named like a jar that is not a zip at all. */
    public static Path corrupt(Path jar) throws IOException {
        Files.createDirectories(jar.getParent());
        return Files.writeString(jar, "this is not a zip file");
    }

    private void compile(Path work, Path classes) throws IOException {
        List<String> args = new ArrayList<>(List.of("-d", classes.toString(), "-classpath", coreApiLocation(),
                "--release", "17", "-proc:none"));
        for (Map.Entry<String, String> s : sources.entrySet()) {
            Path file = work.resolve("src").resolve(s.getKey().replace('.', '/') + ".java");
            Files.createDirectories(file.getParent());
            Files.writeString(file, s.getValue());
            args.add(file.toString());
        }
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        if (javac == null) throw new IllegalStateException("no system Java compiler: run the tests on a JDK, not a JRE");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc = javac.run(null, new PrintStream(err), new PrintStream(err), args.toArray(new String[0]));
        if (rc != 0) throw new IllegalStateException("test plugin did not compile:\n" + err + "\n" + sources);
    }

    /** The jar or classes folder holding core-api on the test class path: plugins compile against it only. */
    static String coreApiLocation() {
        try {
            return Path.of(KilnPlugin.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
