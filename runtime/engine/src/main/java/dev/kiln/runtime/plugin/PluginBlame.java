package dev.kiln.runtime.plugin;

import java.nio.file.Path;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Says which plugin a failure came from, in one line. A plugin may fail with an {@link Error}
 * as readily as with an exception: a {@link NoClassDefFoundError} for a library it did not
 * bundle, an {@link ExceptionInInitializerError} from its static initializer, an
 * {@link AssertionError}. The culprit is the first stack frame whose class one of the plugin
 * class loaders defined ({@link StackTraceElement#getClassLoaderName()}), in the error or its
 * causes; the message names the plugin id and the jar that holds that class.
 *
 * <p>{@link OutOfMemoryError} is never blamed on a plugin or swallowed: the host reports it with
 * its own message (what was running, how to raise the heap).
 */
public final class PluginBlame {
    private PluginBlame() {}

    /**
     * {@code plugin 'x' (/opt/kiln/plugins/x/x.jar) failed: NoClassDefFoundError: org/acme/Lib ...},
     * or empty when no frame of {@code error} (or its causes) belongs to one of {@code loaders}.
     */
    public static Optional<String> message(Throwable error, Collection<PluginClassLoader> loaders) {
        return culprit(error, loaders).map(c -> "plugin '" + c.loader.pluginId() + "' (" + c.jar + ") failed: "
                + ProviderScanner.describe(shown(error)) + hint(error, c));
    }

    /** Rethrows an {@link OutOfMemoryError} in {@code t} or its causes; any other throwable returns. */
    public static void rethrowIfOutOfMemory(Throwable t) {
        Map<Throwable, Boolean> seen = new IdentityHashMap<>();
        for (Throwable c = t; c != null && seen.put(c, Boolean.TRUE) == null; c = c.getCause()) {
            if (c instanceof OutOfMemoryError oom) throw oom;
        }
    }

    /** A NoClassDefFoundError's ClassNotFoundException cause only repeats the class name. */
    private static Throwable shown(Throwable error) {
        return error instanceof NoClassDefFoundError && error.getCause() instanceof ClassNotFoundException
                ? new NoClassDefFoundError(error.getMessage()) : error;
    }

    private record Culprit(PluginClassLoader loader, Object jar) {}

    private static Optional<Culprit> culprit(Throwable error, Collection<PluginClassLoader> loaders) {
        Map<Throwable, Boolean> seen = new IdentityHashMap<>();
        for (Throwable t = error; t != null && seen.put(t, Boolean.TRUE) == null; t = t.getCause()) {
            for (StackTraceElement frame : t.getStackTrace()) {
                String loaderName = frame.getClassLoaderName();
                if (loaderName == null || !loaderName.startsWith(PluginClassLoader.NAME_PREFIX)) continue;
                for (PluginClassLoader loader : loaders) {
                    if (!loaderName.equals(loader.getName()) || !loader.defines(frame.getClassName())) continue;
                    Path jar = loader.jarOf(frame.getClassName());
                    return Optional.of(new Culprit(loader, jar != null ? jar : "class " + frame.getClassName()));
                }
            }
        }
        return Optional.empty();
    }

    private static String hint(Throwable error, Culprit c) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof NoClassDefFoundError || t instanceof ClassNotFoundException) {
                return " (a class the plugin needs is in none of its jars: put the library's jar into the plugin's folder"
                        + (c.jar instanceof Path jar && jar.getParent() != null ? " " + jar.getParent() : "") + ")";
            }
        }
        return "";
    }
}
