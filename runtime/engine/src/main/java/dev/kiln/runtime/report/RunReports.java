package dev.kiln.runtime.report;

import dev.kiln.api.io.AtomicFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes the HTML reports: {@code report.html} of one run directory (the trainer refreshes it
 * at every evaluation and at the end), and a page comparing several runs. Both are single
 * self-contained files (inline SVG and CSS, no scripts, nothing fetched), replaced atomically
 * so a browser reloading them never sees half a page.
 */
public final class RunReports {
    public static final String FILE = "report.html";

    private RunReports() {}

    /** Renders {@code runDir/report.html} from the run's files; returns its path. */
    public static Path writeRun(Path runDir) throws IOException {
        return writeRun(runDir, runDir.resolve(FILE));
    }

    /** Renders one run's report into {@code out}; returns it. */
    public static Path writeRun(Path runDir, Path out) throws IOException {
        String page = RunPage.render(RunLog.read(runDir));
        createParent(out);
        AtomicFiles.writeString(out, page);
        return out;
    }

    /** Renders the comparison of {@code runDirs} (in that order) into {@code out}; returns it. */
    public static Path writeComparison(List<Path> runDirs, Path out) throws IOException {
        List<RunLog> runs = new ArrayList<>();
        for (Path d : runDirs) runs.add(RunLog.read(d));
        String page = ComparisonPage.render(runs);
        createParent(out);
        AtomicFiles.writeString(out, page);
        return out;
    }

    private static void createParent(Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
    }
}
