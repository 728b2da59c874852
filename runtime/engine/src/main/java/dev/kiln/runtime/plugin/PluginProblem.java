package dev.kiln.runtime.plugin;

/**
 * Something that went wrong while discovering plugins, with the file it concerns.
 *
 * <p>A {@link Severity#WARNING} means one jar or plugin was skipped and the rest still load
 * (a corrupt jar, a provider class that is missing or throws, an incompatible API version).
 * An {@link Severity#ERROR} means the plugin set is ambiguous (two plugins of one kind share a
 * name): {@code kiln plugins} still lists it, but building an injector fails.
 *
 * @param severity how bad
 * @param source   the jar, plugin folder or descriptor file concerned, or {@code classpath}
 * @param reason   what was wrong and what was expected
 */
public record PluginProblem(Severity severity, String source, String reason) {

    public enum Severity { WARNING, ERROR }

    public static PluginProblem warning(String source, String reason) {
        return new PluginProblem(Severity.WARNING, source, reason);
    }

    public static PluginProblem error(String source, String reason) {
        return new PluginProblem(Severity.ERROR, source, reason);
    }

    public boolean isError() {
        return severity == Severity.ERROR;
    }

    /** {@code warning: /opt/kiln/plugins/x/x.jar: not a readable jar (zip END header not found)}. */
    @Override
    public String toString() {
        return severity.name().toLowerCase(java.util.Locale.ROOT) + ": " + source + ": " + reason;
    }
}
