package dev.kiln.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class BackendChoiceTest {
    @TempDir
    Path plugins;

    private static final String[] TINY = {"bench", "--steps", "1", "--warmup", "0", "--infer-steps", "1", "--infer-warmup", "0",
            "--no-sgemm", "--vocab", "32", "--d-model", "16", "--layers", "1", "--heads", "2", "--seq", "8", "--batch", "2"};

    private String[] tiny(String... more) {
        String[] a = java.util.Arrays.copyOf(TINY, TINY.length + more.length + 2);
        a[TINY.length] = "--plugins";
        a[TINY.length + 1] = plugins.toString();
        System.arraycopy(more, 0, a, TINY.length + 2, more.length);
        return a;
    }

    @Test
    void unknownBackendFlagNamesTheKnownBackends() {
        Cli r = Cli.run(tiny("--backend", "nope"));
        assertEquals(1, r.code());
        assertTrue(r.err().contains("unknown backend 'nope' (known: cpu, naive, opencl)"), r.err());
        assertTrue(r.err().contains("--backend flag"), r.err());
        assertFalse(r.err().contains("at dev.kiln"), "no stack trace without --verbose:\n" + r.err());
    }

    @Test
    void unknownBackendFromTheEnvironmentSaysSo() {
        Cli r = Cli.run(Map.of("KILN_BACKEND", "gpu9000"), tiny());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("unknown backend 'gpu9000'"), r.err());
        assertTrue(r.err().contains("KILN_BACKEND"), r.err());
    }

    @Test
    void flagWinsOverEnvironment() {
        Cli r = Cli.run(Map.of("KILN_BACKEND", "gpu9000"), tiny("--backend", "naive"));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("\"backend\":\"naive\""), r.out());
    }

    @Test
    void threadsOnABackendWithoutThemIsExplained() {
        Cli r = Cli.run(tiny("--backend", "naive", "--threads", "2"));
        assertEquals(1, r.code());
        assertTrue(r.err().contains("--threads"), r.err());
    }
}
