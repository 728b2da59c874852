package dev.kiln.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code ./kiln} asks for transparent huge pages where the kernel hands them out on request, and leaves the choice to
 * the user's options or to a kernel that has them off. Runs the real launcher from a copy of the checkout's layout
 * whose JDK is a script that prints the options it was given; the kernel's mode comes from a file the test writes.
 */
class LauncherHugePagesTest {
    private static final String THP = "-XX:+UseTransparentHugePages";

    @TempDir
    Path dir;

    @Test
    void addedWhenTheKernelGivesHugePagesOnRequest() throws Exception {
        assertTrue(javaOptions("always [madvise] never", "").contains(THP));
    }

    @Test
    void addedWhenTheKernelGivesThemAlways() throws Exception {
        assertTrue(javaOptions("[always] madvise never", "").contains(THP));
    }

    @Test
    void notAddedWhereTheKernelHasThemOff() throws Exception {
        assertFalse(javaOptions("always madvise [never]", "").contains(THP));
    }

    @Test
    void theUsersChoiceIsKept() throws Exception {
        List<String> off = javaOptions("always [madvise] never", "-XX:-UseTransparentHugePages");
        assertEquals(1, off.stream().filter(o -> o.contains("TransparentHugePages")).count(), off.toString());
        assertTrue(off.contains("-XX:-UseTransparentHugePages"), off.toString());
        assertFalse(javaOptions("always [madvise] never", "-XX:+UseLargePages").contains(THP));
    }

    // the options ./kiln passes to java, with the kernel's transparent-huge-page mode file reading `mode`
    private List<String> javaOptions(String mode, String userOptions) throws Exception {
        Path root = repositoryRoot(), copy = Files.createTempDirectory(dir, "kiln-home");
        Files.createDirectories(copy.resolve("runtime/backend-opencl"));
        Files.createDirectories(copy.resolve("runtime/cli/target/kiln/lib"));
        Files.copy(root.resolve("kiln"), copy.resolve("kiln"));
        Files.copy(root.resolve("runtime/backend-opencl/opencl-loader.sh"), copy.resolve("runtime/backend-opencl/opencl-loader.sh"));
        Path stubJava = executable(dir.resolve("jdk/bin/java"), "#!/bin/sh\nfor a in \"$@\"; do echo \"$a\"; done\n");
        Path modeFile = Files.writeString(dir.resolve("thp-enabled"), mode + "\n");
        ProcessBuilder pb = new ProcessBuilder("bash", copy.resolve("kiln").toString(), "plugins").redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.put("JAVA_HOME", stubJava.getParent().getParent().toString());
        env.put("KILN_NO_BUILD", "1");
        env.put("KILN_THP_MODE_FILE", modeFile.toString());
        env.put("KILN_JAVA_OPTS", userOptions);
        Process p = pb.start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "./kiln did not end");
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.exitValue(), out);
        List<String> args = out.lines().toList();
        assertTrue(args.contains("dev.kiln.cli.KilnCli"), "the stub java ran with the launcher's command line: " + out);
        return args.subList(0, args.indexOf("dev.kiln.cli.KilnCli"));
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
