package dev.kiln.cli;

import dev.kiln.runtime.plugin.PluginBlame;
import dev.kiln.runtime.plugin.PluginClassLoader;
import dev.kiln.runtime.plugin.PluginRegistry;
import dev.kiln.runtime.train.TrainingInterruptedException;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * How a command that ended with a throwable reports it: one line on stderr ({@code kiln CMD:
 * error: ...}), the stack trace only with {@code --verbose}. Errors count as much as exceptions:
 * picocli hands an {@link Error} straight back to the caller, so the command line routes both
 * here. A failure raised in a plugin's code names the plugin and its jar
 * ({@link PluginBlame}); an {@link OutOfMemoryError} keeps its own message ({@link Activity}).
 */
final class CommandFailure {
    private CommandFailure() {}

    /** Prints the failure of {@code command} and returns the exit status. */
    static int report(KilnCli root, CommandLine command, Throwable e) {
        PrintWriter w = command.getErr();
        if (e instanceof TrainingInterruptedException stopped) {
            w.println("kiln " + command.getCommandName() + ": " + stopped.getMessage());
            w.flush();
            return Interrupts.exitCode(stopped);
        }
        OutOfMemoryError oom = Activity.outOfMemoryIn(e);
        String plugin = oom != null || !(e instanceof Error || Errors.isBug(e)) ? null
                : PluginBlame.message(e, loaders(root)).orElse(null);
        String line = oom != null ? Activity.outOfMemory(oom)
                : plugin != null ? plugin
                : e instanceof StackOverflowError ? "stack overflow while " + Activity.current()
                : Errors.describe(e);
        w.println("kiln " + command.getCommandName() + ": error: " + line);
        if (root.verbose) e.printStackTrace(w);
        else if (plugin == null && oom == null && (Errors.isBug(e) || e instanceof Error))
            w.println("(run again with --verbose for the stack trace)");
        w.flush();
        return 1;
    }

    private static List<PluginClassLoader> loaders(KilnCli root) {
        List<PluginClassLoader> all = new ArrayList<>();
        for (PluginRegistry r : root.registries()) all.addAll(r.classLoaders());
        return all;
    }
}
