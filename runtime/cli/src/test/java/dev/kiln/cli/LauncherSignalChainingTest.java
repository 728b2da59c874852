package dev.kiln.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@code ./kiln} preloads the JDK's signal-chaining library (pocl's LLVM would otherwise replace the JVM's SIGSEGV
 * handler), ahead of what LD_PRELOAD already holds and only once; a JDK without it changes nothing.
 */
class LauncherSignalChainingTest {
    private static final String MODE = "always [madvise] never";

    @TempDir
    Path dir;

    @Test
    void theJdksLibjsigIsPreloadedFirst() throws Exception {
        Path jsig = Files.createDirectories(dir.resolve("jdk/lib")).resolve("libjsig.so");
        Files.writeString(jsig, "");
        assertEquals(jsig.toRealPath().toString(), LauncherStub.run(dir, MODE, Map.of()).ldPreload());
        assertEquals(jsig.toRealPath() + ":/opt/other.so",
                LauncherStub.run(dir, MODE, Map.of("LD_PRELOAD", "/opt/other.so")).ldPreload());
        String already = "/opt/other.so:" + jsig.toRealPath();
        assertEquals(already, LauncherStub.run(dir, MODE, Map.of("LD_PRELOAD", already)).ldPreload());
    }

    @Test
    void nothingIsPreloadedWithoutIt() throws Exception {
        assertEquals("", LauncherStub.run(dir, MODE, Map.of()).ldPreload());
        assertEquals("/opt/other.so", LauncherStub.run(dir, MODE, Map.of("LD_PRELOAD", "/opt/other.so")).ldPreload());
    }
}
