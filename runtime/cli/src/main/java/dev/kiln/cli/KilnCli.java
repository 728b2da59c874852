package dev.kiln.cli;

import dev.kiln.runtime.plugin.PluginRegistry;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The {@code kiln} command. Subcommands: plugins, prepare, pretrain, finetune, generate, chat, eval, export, report, bench, tokenize.
 * Global options ({@code --backend}, {@code --plugins}, {@code --verbose}) may be given before or
 * after the subcommand. Output goes to the command line's out / err writers (UTF-8 on the real
 * console), so tests can capture it.
 */
@Command(name = "kiln", mixinStandardHelpOptions = true, versionProvider = KilnVersion.class,
        description = {"Pretrain and fine-tune transformer language models on the JVM.", ""},
        footer = {"", "Environment:",
                "  KILN_BACKEND   backend to use when --backend is not given",
                "  KILN_PLUGINS   more plugin folders, ':'-separated, added to the built-ins (as --plugins)",
                "  KILN_HOME      Kiln's install directory: KILN_HOME/plugins holds the built-in plugins",
                "", "Run 'kiln help COMMAND' or 'kiln COMMAND --help' for a command's options."},
        subcommands = {PluginsCommand.class, PrepareCommand.class, PretrainCommand.class, FinetuneCommand.class, GenerateCommand.class, SampleCommand.class,
                ChatCommand.class, EvalCommand.class, ExportCommand.class, ReportCommand.class, BenchCommand.class, TokenizeCommand.class, CommandLine.HelpCommand.class})
public final class KilnCli implements Runnable {
    public static final String ENV_PLUGINS = "KILN_PLUGINS";
    public static final String ENV_HOME = "KILN_HOME";

    @Spec
    CommandSpec spec;

    @Option(names = "--backend", scope = ScopeType.INHERIT, paramLabel = "NAME",
            description = {"Backend that runs the numerics (e.g. cpu, naive; see 'kiln plugins').",
                    "Chosen in this order: this flag, the KILN_BACKEND environment variable, the config's"
                            + " 'backend:' key, else the available backend with the highest priority."})
    String backend;

    @Option(names = "--plugins", scope = ScopeType.INHERIT, paramLabel = "DIR[:DIR...]",
            description = {"More plugin folders, each laid out as DIR/<id>/*.jar, added to the built-ins"
                    + " ($KILN_HOME/plugins, else ./plugins) and to $KILN_PLUGINS; ':'-separated or repeated.",
                    "A folder that does not exist is an error."})
    List<String> plugins = new ArrayList<>();

    @Option(names = {"-v", "--verbose"}, scope = ScopeType.INHERIT,
            description = "Print stack traces of errors (default: one line).")
    boolean verbose;

    private final Map<String, String> env;
    private final InputStream in;
    /** The plugin registries this command opened, to blame a failure on a plugin after they are closed. */
    private final List<PluginRegistry> registries = new ArrayList<>();

    public KilnCli(Map<String, String> env) {
        this(env, System.in);
    }

    KilnCli(Map<String, String> env, InputStream in) {
        this.env = Map.copyOf(env);
        this.in = in;
    }

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(new OutputStreamWriter(new FileOutputStream(FileDescriptor.out), StandardCharsets.UTF_8), true);
        PrintWriter err = new PrintWriter(new OutputStreamWriter(new FileOutputStream(FileDescriptor.err), StandardCharsets.UTF_8), true);
        int code;
        Interrupts.install(err);
        try {
            code = commandLine(System.getenv(), out, err).execute(args);
        } catch (OutOfMemoryError e) {                   // picocli hands errors (not exceptions) straight back
            err.println("kiln: error: " + Activity.outOfMemory(e));
            code = 1;
        }
        out.flush();
        err.flush();
        System.exit(code);
    }

    /** The configured command line: UTF-8 writers, one-line errors (stack traces with --verbose). */
    public static CommandLine commandLine(Map<String, String> env, PrintWriter out, PrintWriter err) {
        return commandLine(env, System.in, out, err);
    }

    /** The command line reading standard input (what {@code kiln chat} reads) from {@code in}. */
    static CommandLine commandLine(Map<String, String> env, InputStream in, PrintWriter out, PrintWriter err) {
        KilnCli root = new KilnCli(env, in);
        CommandLine cl = new CommandLine(root);
        cl.setOut(out);
        cl.setErr(err);
        cl.setUsageHelpAutoWidth(true);
        cl.setExecutionStrategy(parseResult -> {
            String unknown = unknownCommand(cl, parseResult.originalArgs());
            if (unknown != null) return refuseUnknown(cl, unknown);
            try {
                return new CommandLine.RunLast().execute(parseResult);
            } catch (Error e) {                          // picocli wraps exceptions only; errors come straight back
                List<CommandLine> chain = parseResult.asCommandLineList();
                return CommandFailure.report(root, chain.get(chain.size() - 1), e);
            }
        });
        CommandLine.IParameterExceptionHandler parseErrors = cl.getParameterExceptionHandler();
        cl.setParameterExceptionHandler((e, args) -> {
            String unknown = unknownCommand(cl, java.util.List.of(args));
            return unknown == null ? parseErrors.handleParseException(e, args) : refuseUnknown(cl, unknown);
        });
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> CommandFailure.report(root, commandLine, e));
        return cl;
    }

    /**
     * The first word that is neither an option of kiln itself nor a known command, or null: picocli
     * would print the help and exit 0 for {@code kiln foo --help}.
     */
    private static String unknownCommand(CommandLine cl, java.util.List<String> args) {
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.equals("--backend") || a.equals("--plugins")) {
                i++;
                continue;
            }
            if (a.startsWith("-")) continue;
            return cl.getSubcommands().containsKey(a) ? null : a;
        }
        return null;
    }

    private static int refuseUnknown(CommandLine cl, String unknown) {
        cl.getErr().println("kiln: unknown command '" + unknown + "' (known: " + String.join(", ", cl.getSubcommands().keySet()) + ")");
        cl.getErr().flush();
        return 2;
    }

    /** With no subcommand: the usage. */
    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    Map<String, String> env() {
        return env;
    }

    /** Remembers a registry the command opened (its class loaders name the plugins in a failure); replicas open theirs at once. */
    synchronized void opened(PluginRegistry registry) {
        registries.add(registry);
    }

    synchronized List<PluginRegistry> registries() {
        return List.copyOf(registries);
    }

    /** Standard input. */
    InputStream in() {
        return in;
    }

    /** The plugin folders: the built-ins, then $KILN_PLUGINS, then --plugins (see {@link PluginPath}). */
    List<Path> pluginPath() {
        return PluginPath.resolve(plugins, env);
    }
}
