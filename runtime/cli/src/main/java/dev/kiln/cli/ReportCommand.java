package dev.kiln.cli;

import dev.kiln.runtime.report.RunReports;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code kiln report RUN_DIR... [--out FILE]}: one run's report.html, or several runs compared on one page. */
@Command(name = "report", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Write an HTML report of training runs: one self-contained file (inline SVG charts, no network needed to view it).",
                "With one RUN_DIR: the run's report.html (the same page training writes at each evaluation and at the end),"
                        + " rewritten from its metrics.jsonl, run.json and report.json.",
                "With several: one page comparing them on shared axes (training and validation loss, every validation metric,"
                        + " learning rate, gradient norm, tokens/s, heap, RSS) with a table of their final metrics, each run"
                        + " labelled by its directory name.",
                "Finished, running and resumed runs all work: a resumed run's curves are continuous."},
        footer = {"", "Examples:", "  kiln report runs/sst2-full",
                "  kiln report runs/sst2-full runs/sst2-lora runs/sst2-ia3 --out sst2.html"})
final class ReportCommand implements Callable<Integer> {
    static final String DEFAULT_COMPARISON = "kiln-report.html";

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "RUN_DIR", arity = "1..*", description = "Run directories (each with a metrics.jsonl).")
    List<Path> runs;

    @Option(names = {"-o", "--out"}, paramLabel = "FILE",
            description = "Where the page goes. Default: RUN_DIR/report.html for one run, ./" + DEFAULT_COMPARISON + " for several.")
    Path out;

    @Override
    public Integer call() throws IOException {
        for (Path r : runs)
            if (!Files.isRegularFile(r.resolve("metrics.jsonl")))
                throw new IllegalArgumentException(r + " is not a Kiln run directory (it has no metrics.jsonl)");
        if (out != null) refuseToOverwriteOtherThanAPage(out);
        Path written;
        if (runs.size() == 1) written = out == null ? RunReports.writeRun(runs.get(0)) : RunReports.writeRun(runs.get(0), out);
        else written = RunReports.writeComparison(runs, out != null ? out : Path.of(DEFAULT_COMPARISON));
        spec.commandLine().getOut().println("report: " + written.toAbsolutePath().normalize());
        spec.commandLine().getOut().flush();
        return 0;
    }

    /** An existing --out is overwritten only when it is an HTML page (an earlier report), never a model or metrics file. */
    static void refuseToOverwriteOtherThanAPage(Path out) throws IOException {
        if (Files.isDirectory(out)) throw new IllegalArgumentException("--out " + out + " is a directory; give the report's file name");
        if (!Files.exists(out)) return;
        byte[] head = new byte[64];
        int n;
        try (var in = Files.newInputStream(out)) {
            n = in.readNBytes(head, 0, head.length);
        }
        String start = new String(head, 0, n, java.nio.charset.StandardCharsets.ISO_8859_1).stripLeading().toLowerCase(java.util.Locale.ROOT);
        if (!start.startsWith("<!doctype html") && !start.startsWith("<html"))
            throw new IllegalArgumentException("--out " + out + " exists and is not an HTML page; refusing to overwrite it (give a new file name)");
    }
}
