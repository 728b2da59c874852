package dev.kiln.cli;

import dev.kiln.api.plugin.ApiVersion;
import dev.kiln.runtime.plugin.PluginJars;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Two plugins of one kind with one name: only that name is refused, once, naming both jars. */
class PluginCollisionCliTest {
    @TempDir
    Path plugins;

    private static final List<String> TINY = List.of("bench", "--steps", "1", "--warmup", "0", "--infer-steps", "1",
            "--infer-warmup", "0", "--no-sgemm", "--no-infer", "--vocab", "32", "--d-model", "16", "--layers", "1", "--heads", "2",
            "--seq", "8", "--batch", "2");

    private Cli bench(String backend) {
        List<String> args = new ArrayList<>(TINY);
        args.addAll(List.of("--plugins", plugins.toString(), "--backend", backend));
        return Cli.run(args.toArray(new String[0]));
    }

    private static long count(String text, String part) {
        return text.lines().filter(l -> l.contains(part)).count();
    }

    @Test
    void commandsThatDoNotUseTheSharedNameRunWithOneWarningAndOneThatDoesFailsNamingBothJars() throws Exception {
        Path one = PluginJars.backend("one.Dup", "dup", ApiVersion.CURRENT).writeTo(plugins.resolve("dup/dup.jar"));
        Path two = PluginJars.backend("two.Dup", "dup", ApiVersion.CURRENT).writeTo(plugins.resolve("dup-copy/dup.jar"));
        String collision = "backend plugin name 'dup' is provided by " + one + " and " + two
                + "; refused: a command that uses 'dup' fails until one of them is removed";

        Cli unaffected = bench("naive");
        assertEquals(0, unaffected.code(), unaffected.err());
        assertEquals(1, count(unaffected.err(), "is provided by"), unaffected.err());
        assertEquals(1, count(unaffected.err(), "warning: " + two + ": " + collision), unaffected.err());

        Cli using = bench("dup");
        assertEquals(1, using.code());
        assertEquals(1, count(using.err(), "warning: " + two + ": " + collision), using.err());
        assertEquals(List.of("kiln bench: error: backend 'dup' (named by the --backend flag) is not available: " + collision),
                using.err().lines().filter(l -> l.contains("error")).toList(), using.err());
        assertEquals(2, using.err().strip().lines().count(), using.err());

        Cli listing = Cli.run("plugins", "--plugins", plugins.toString());
        assertEquals(1, listing.code(), "kiln plugins exits 1 while a name is refused");
        assertEquals(2, count(listing.out(), "no: " + collision), listing.out());
    }
}
