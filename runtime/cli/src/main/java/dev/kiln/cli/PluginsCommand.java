package dev.kiln.cli;

import dev.kiln.api.backend.BackendProvider;
import dev.kiln.runtime.guice.BackendSelection;
import dev.kiln.runtime.guice.KilnOptions;
import dev.kiln.runtime.plugin.PluginDiscovery;
import dev.kiln.runtime.plugin.PluginListing;
import dev.kiln.runtime.plugin.PluginRegistry;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code kiln plugins}: what was discovered, from where, whether it can run here, and what went wrong. */
@Command(name = "plugins", mixinStandardHelpOptions = true,
        description = {"List the plugins Kiln finds: objectives, fine-tuners and backends.",
                "One line per plugin: kind, name, version, plugin API version, source (classpath or the jar's path)"
                        + " and availability (with the reason when it cannot run here); then the backend that"
                        + " would be used, and any problems (unreadable jars, duplicate names, incompatible API"
                        + " versions)."},
        footer = {"", "Exit status: 0, or 1 when discovery found errors (e.g. two plugins of one kind share a name)."})
final class PluginsCommand implements Callable<Integer> {
    @ParentCommand
    KilnCli root;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        KilnOptions options = Session.options(root, WriterStream.of(spec.commandLine().getErr()));
        PrintWriter err = spec.commandLine().getErr();
        try (PluginRegistry registry = new PluginDiscovery(options.hostClassLoader(), options.pluginPath())
                .discover((culprit, foundSoFar, notCreated) -> exited(out, err, culprit, foundSoFar, notCreated))) {
            root.opened(registry);
            out.print(new PluginListing(registry).render());
            out.println();
            out.println("backend: " + chosenBackend(registry, options));
            out.flush();
            return registry.hasErrors() || !registry.refused().isEmpty() ? 1 : 0;
        }
    }

    /**
     * A plugin ended the JVM while it was being created (System.exit in its constructor): list what
     * was created before it, who did it and the providers found but not created after it, then exit
     * 1 whatever status the plugin asked for.
     */
    private static void exited(PrintWriter out, PrintWriter err, String culprit, PluginRegistry foundSoFar, List<String> notCreated) {
        out.print(new PluginListing(foundSoFar).render());
        if (!notCreated.isEmpty()) {
            out.println();
            out.println("found but not created (the exit came first):");
            for (String p : notCreated) out.println("  " + p);
        }
        out.flush();
        err.println("kiln plugins: error: " + culprit + " called System.exit while Kiln was creating it"
                + (notCreated.isEmpty() ? "" : "; " + notCreated.size() + (notCreated.size() == 1 ? " provider after it was" : " providers after it were")
                + " found but not created (listed)") + ". Plugins are trusted code: remove this one from the plugin folder");
        err.flush();
        Runtime.getRuntime().halt(1);
    }

    private static String chosenBackend(PluginRegistry registry, KilnOptions options) {
        try {
            return BackendSelection.resolve(registry.factories(BackendProvider.class), options).describe();
        } catch (RuntimeException e) {
            return "none: " + e.getMessage();
        }
    }
}
