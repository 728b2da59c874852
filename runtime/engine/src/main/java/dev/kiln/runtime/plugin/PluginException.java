package dev.kiln.runtime.plugin;

/**
 * A plugin set that cannot be used (duplicate names), or a malformed plugin descriptor. The
 * message is {@code <source>: <reason>}, the source being the file or folder concerned.
 */
public class PluginException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String source;
    private final String reason;

    public PluginException(String source, String reason) {
        super(source + ": " + reason);
        this.source = source;
        this.reason = reason;
    }

    /** Several problems at once, one per line. */
    public PluginException(String summary, Iterable<PluginProblem> problems) {
        super(summary + lines(problems));
        this.source = null;
        this.reason = summary;
    }

    public String source() { return source; }

    public String reason() { return reason; }

    private static String lines(Iterable<PluginProblem> problems) {
        StringBuilder sb = new StringBuilder();
        for (PluginProblem p : problems) sb.append(System.lineSeparator()).append("  ").append(p);
        return sb.toString();
    }
}
