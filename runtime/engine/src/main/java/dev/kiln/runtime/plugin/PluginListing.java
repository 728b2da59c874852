package dev.kiln.runtime.plugin;

import dev.kiln.api.plugin.Availability;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * What {@code kiln plugins} prints: one line per plugin (kind, name, version, plugin API version,
 * source, availability), then the problems found while discovering them.
 *
 * <pre>
 * KIND       NAME   VERSION  API  SOURCE                           AVAILABLE
 * objective  clm    0.1.0    1.0  classpath                        yes
 * backend    cpu    0.1.0    1.0  classpath                        yes: 16 threads
 * backend    cl     0.2.0    1.0  /opt/kiln/plugins/cl/cl.jar      no: no OpenCL device (install pocl-opencl-icd)
 *
 * problems:
 *   warning: /opt/kiln/plugins/x/broken.jar: not a readable jar (zip END header not found); skipped, ...
 * </pre>
 */
public final class PluginListing {
    private static final String[] HEADER = {"KIND", "NAME", "VERSION", "API", "SOURCE", "AVAILABLE"};

    private final PluginRegistry registry;

    public PluginListing(PluginRegistry registry) {
        this.registry = registry;
    }

    /** The listing as text, lines separated by {@code \n}, ending with a newline. */
    public String render() {
        StringBuilder out = new StringBuilder();
        List<String[]> rows = rows();
        if (rows.size() == 1) {
            out.append("no plugins found\n");
        } else {
            int[] width = new int[HEADER.length];
            for (String[] row : rows) {
                for (int i = 0; i < row.length; i++) width[i] = Math.max(width[i], row[i].length());
            }
            for (String[] row : rows) {
                StringBuilder line = new StringBuilder();
                for (int i = 0; i < row.length; i++) {
                    line.append(row[i]);
                    if (i < row.length - 1) line.append(" ".repeat(width[i] - row[i].length() + 2));
                }
                out.append(line.toString().stripTrailing()).append('\n');
            }
        }
        if (!registry.pluginPath().isEmpty()) out.append('\n');
        for (var dir : registry.pluginPath()) {
            out.append("plugin directory: ").append(dir.toAbsolutePath())
                    .append(java.nio.file.Files.isDirectory(dir) ? "" : " (absent)").append('\n');
        }
        if (!registry.problems().isEmpty()) {
            out.append("\nproblems:\n");
            for (PluginProblem p : registry.problems()) out.append("  ").append(p).append('\n');
        }
        return out.toString();
    }

    public void print(PrintStream out) {
        out.print(render());
        out.flush();
    }

    /** "yes", "yes: detail" or "no: reason". */
    public static String availability(Availability a) {
        String detail = a.detail() == null || a.detail().isBlank() ? "" : ": " + a.detail();
        if (a.available()) return "yes" + detail;
        return "no" + (detail.isEmpty() ? ": (no reason given)" : detail);
    }

    private List<String[]> rows() {
        List<String[]> rows = new ArrayList<>();
        rows.add(HEADER);
        registry.plugins().stream()
                .sorted(Comparator.comparing(DiscoveredPlugin::kind).thenComparing(DiscoveredPlugin::name))
                .forEach(p -> rows.add(new String[] {
                        p.kind().label(), p.name(), p.version(), p.apiVersion(), p.source(),
                        availability(p.availability())}));
        return rows;
    }
}
