package dev.kiln.cli;

import org.junit.jupiter.api.Assumptions;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Headless Chromium (Debian's {@code chromium} package) for the report tests: the DOM after the
 * browser parsed a page ({@code --dump-dom}) and a screenshot. Absent, the tests are skipped with
 * a message, unless {@code CI=true}, where that is a failure ({@code .ci/run} installs it).
 */
final class Chromium {
    private static final List<String> NAMES = List.of("chromium", "chromium-browser", "google-chrome", "google-chrome-stable");
    private static final long TIMEOUT_S = 120;
    private static final Pattern TAG = Pattern.compile("<([a-zA-Z]+)(\\s[^>]*)?>");
    private static final Pattern ATTR = Pattern.compile("([\\w:-]+)=\"([^\"]*)\"");

    private final Path binary;

    private Chromium(Path binary) { this.binary = binary; }

    /** The browser, or the test is skipped (failed when CI=true). */
    static Chromium require() {
        Path found = find();
        if (found == null) {
            String msg = "no Chromium on PATH (looked for " + NAMES + "): the report browser tests need one; apt-get install -y chromium";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) throw new AssertionError(msg + " (CI=true: this is a failure, not a skip)");
            Assumptions.abort(msg);
        }
        return new Chromium(found);
    }

    private static Path find() {
        String path = System.getenv("PATH");
        if (path == null) return null;
        for (String name : NAMES)
            for (String dir : path.split(File.pathSeparator)) {
                Path p = Path.of(dir, name);
                if (Files.isExecutable(p)) return p;
            }
        return null;
    }

    /** The page's DOM as the browser serializes it after loading {@code html} from disk. */
    String dumpDom(Path html, Path work) throws IOException, InterruptedException {
        return run(work, List.of("--dump-dom", html.toUri().toString()));
    }

    /** A PNG of the page at the given window size. */
    Path screenshot(Path html, Path png, int width, int height, Path work) throws IOException, InterruptedException {
        Files.deleteIfExists(png);
        run(work, List.of("--screenshot=" + png.toAbsolutePath(), "--window-size=" + width + "," + height, "--hide-scrollbars", html.toUri().toString()));
        if (!Files.isRegularFile(png)) throw new AssertionError("Chromium wrote no screenshot " + png);
        return png;
    }

    private String run(Path work, List<String> args) throws IOException, InterruptedException {
        Files.createDirectories(work);
        List<String> cmd = new ArrayList<>(List.of(binary.toString(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--user-data-dir=" + work.resolve("profile").toAbsolutePath()));
        cmd.addAll(args);
        Path stdout = work.resolve("stdout.txt"), stderr = work.resolve("stderr.txt");
        Process p = new ProcessBuilder(cmd).redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
        if (!p.waitFor(TIMEOUT_S, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("Chromium did not finish in " + TIMEOUT_S + " s: " + cmd);
        }
        String out = Files.readString(stdout, StandardCharsets.UTF_8);
        if (p.exitValue() != 0)
            throw new AssertionError("Chromium exited " + p.exitValue() + ": " + cmd + "\n" + Files.readString(stderr, StandardCharsets.UTF_8));
        return out;
    }

    /** The start tags named {@code tag} in a serialized DOM, each as its attributes. */
    static List<Map<String, String>> elements(String dom, String tag) {
        List<Map<String, String>> out = new ArrayList<>();
        Matcher m = TAG.matcher(dom);
        while (m.find()) {
            if (!m.group(1).equalsIgnoreCase(tag)) continue;
            Map<String, String> attrs = new LinkedHashMap<>();
            if (m.group(2) != null) {
                Matcher a = ATTR.matcher(m.group(2));
                while (a.find()) attrs.put(a.group(1), a.group(2).replace("&amp;", "&").replace("&quot;", "\"").replace("&lt;", "<").replace("&gt;", ">"));
            }
            out.add(attrs);
        }
        return out;
    }
}
