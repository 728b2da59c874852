package dev.kiln.runtime.plugin;

import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.List;
import java.util.jar.JarFile;

/**
 * The class loader of one plugin folder ({@code plugins/<id>/*.jar}).
 *
 * <p>Its parent is the platform class loader, so a plugin sees the JDK and its own jars but not
 * the host's class path (Guice, Jackson, Micrometer, other plugins). Only the Kiln plugin API
 * ({@value #API_PACKAGE}*) is delegated to the host, so that a plugin's {@code BackendProvider}
 * is the host's {@code BackendProvider}. A copy of core-api bundled inside a plugin jar is
 * ignored for the same reason. Same idea as Trino's {@code PluginClassLoader}.
 */
public final class PluginClassLoader extends URLClassLoader {
    /** Classes in this package prefix come from the host: the plugin API, and nothing else. */
    public static final String API_PACKAGE = "dev.kiln.api.";
    /** Every plugin loader's name starts so; stack frames carry it ({@link StackTraceElement#getClassLoaderName()}). */
    public static final String NAME_PREFIX = "kiln-plugin-";
    private static final String API_RESOURCE_PREFIX = API_PACKAGE.replace('.', '/');

    static {
        ClassLoader.registerAsParallelCapable();
    }

    private final String pluginId;
    private final ClassLoader apiLoader;

    /**
     * @param pluginId  the plugin folder's name, for messages
     * @param jars      the plugin's jars
     * @param apiLoader the host loader that defines {@code dev.kiln.api} (core-api)
     */
    public PluginClassLoader(String pluginId, List<URL> jars, ClassLoader apiLoader) {
        super(NAME_PREFIX + pluginId, jars.toArray(new URL[0]), ClassLoader.getPlatformClassLoader());
        this.pluginId = pluginId;
        this.apiLoader = apiLoader;
    }

    public String pluginId() {
        return pluginId;
    }

    /** Whether this loader defined the class (rather than delegating it to the JDK or the API). */
    public boolean defines(String className) {
        Class<?> c = findLoadedClass(className);
        return c != null && c.getClassLoader() == this;
    }

    /** The jar of this plugin that holds {@code className}, or null; works after {@link #close()}. */
    public Path jarOf(String className) {
        String entry = className.replace('.', '/') + ".class";
        for (URL url : getURLs()) {
            try {
                Path jar = Path.of(url.toURI());
                try (JarFile jf = new JarFile(jar.toFile())) {
                    if (jf.getEntry(entry) != null) return jar;
                }
            } catch (IOException | URISyntaxException | IllegalArgumentException e) {
                // not a readable local jar: try the next one
            }
        }
        return null;
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
        if (!name.startsWith(API_PACKAGE)) {
            // platform (JDK) first, then this plugin's jars
            return super.loadClass(name, resolve);
        }
        synchronized (getClassLoadingLock(name)) {
            Class<?> c = apiLoader.loadClass(name);
            if (resolve) resolveClass(c);
            return c;
        }
    }

    @Override
    public URL getResource(String name) {
        return isApiResource(name) ? apiLoader.getResource(name) : super.getResource(name);
    }

    @Override
    public Enumeration<URL> getResources(String name) throws IOException {
        return isApiResource(name) ? apiLoader.getResources(name) : super.getResources(name);
    }

    private static boolean isApiResource(String name) {
        return name.startsWith(API_RESOURCE_PREFIX);
    }

    @Override
    public String toString() {
        return "PluginClassLoader[" + pluginId + "]";
    }
}
