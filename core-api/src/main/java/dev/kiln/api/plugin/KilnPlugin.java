package dev.kiln.api.plugin;

/**
 * What every plugin factory has: a stable name users select it by, the API version it was
 * built against, and optional details. Everything optional has a default.
 */
public interface KilnPlugin {
    /** Stable, lowercase name used in configs and on the command line, e.g. "clm". */
    String name();

    /**
     * The plugin API version this plugin was compiled against. Implement it as
     * {@code return ApiVersion.CURRENT;}: the constant is inlined when your plugin compiles.
     */
    String apiVersion();

    /** The plugin's own version; by default its jar's Implementation-Version. */
    default String version() {
        String v = getClass().getPackage() == null ? null : getClass().getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    /** One line for {@code kiln plugins --help} style listings. */
    default String description() { return ""; }

    /** Whether this plugin can run on this machine. */
    default Availability availability() { return Availability.yes(""); }
}
