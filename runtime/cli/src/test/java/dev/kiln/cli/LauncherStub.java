package dev.kiln.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs the real {@code ./kiln} from a copy of the checkout's layout whose JDK ({@code dir/jdk}) is a script that prints
 * the options it was given and the LD_PRELOAD it saw; the kernel's transparent-huge-page mode comes from a file.
 */
final class LauncherStub {
    /** What the stub java was started with: its options before the main class, and its LD_PRELOAD ("" when unset). */
    record Launch(List<String> options, String ldPreload) {}

    private LauncherStub() {}

    /** ./kiln plugins under {@code env} (added to KILN_NO_BUILD, JAVA_HOME and the mode file), the mode file reading {@code thpMode}. */
    static Launch run(Path dir, String thpMode, Map<String, String> env) throws Exception {
        Path root = repositoryRoot(), copy = Files.createTempDirectory(dir, "kiln-home");
        Files.createDirectories(copy.resolve("runtime/backend-opencl"));
        Files.createDirectories(copy.resolve("runtime/cli/target/kiln/lib"));
        Files.copy(root.resolve("kiln"), copy.resolve("kiln"));
        Files.copy(root.resolve("runtime/backend-opencl/opencl-loader.sh"), copy.resolve("runtime/backend-opencl/opencl-loader.sh"));
        Path stubJava = executable(dir.resolve("jdk/bin/java"),
                "#!/bin/sh\nfor a in \"$@\"; do echo \"$a\"; done\necho \"LD_PRELOAD=${LD_PRELOAD:-}\"\n");
        Path modeFile = Files.writeString(dir.resolve("thp-enabled"), thpMode + "\n");
        ProcessBuilder pb = new ProcessBuilder("bash", copy.resolve("kiln").toString(), "plugins").redirectErrorStream(true);
        pb.environment().remove("LD_PRELOAD");
        pb.environment().put("JAVA_HOME", stubJava.getParent().getParent().toString());
        pb.environment().put("KILN_NO_BUILD", "1");
        pb.environment().put("KILN_THP_MODE_FILE", modeFile.toString());
        pb.environment().putAll(env);
        Process p = pb.start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "./kiln did not end");
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.exitValue(), out);
        List<String> lines = out.lines().toList();
        int main = lines.indexOf("dev.kiln.cli.KilnCli");
        assertTrue(main >= 0, "the stub java ran with the launcher's command line: " + out);
        String preload = lines.get(lines.size() - 1);
        assertTrue(preload.startsWith("LD_PRELOAD="), out);
        return new Launch(lines.subList(0, main), preload.substring("LD_PRELOAD=".length()));
    }

    private static Path executable(Path file, String text) throws Exception {
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
        return file;
    }

    private static Path repositoryRoot() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent())
            if (Files.isRegularFile(p.resolve("kiln")) && Files.isDirectory(p.resolve("runtime"))) return p;
        throw new IllegalStateException("no checkout root (with ./kiln) above " + Path.of("").toAbsolutePath());
    }
}
