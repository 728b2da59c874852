package dev.kiln.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A command on the cpu backend does not touch OpenCL: neither plugin discovery nor the default-backend
 * choice probes it (on a host with only pocl), so JOCL's classes are never loaded and its native library
 * is never unpacked; {@code kiln plugins}, which lists availability, does load them. Read from the child
 * JVM's class-loading log. Meaningful where an OpenCL runtime is installed: CI installs pocl and sets
 * KILN_REQUIRE_OPENCL, under which the listing must show OpenCL available.
 */
class NoOpenClProbeTest {

    @Test
    void aCpuRunNeverLoadsOpenClButThePluginListingDoes(@TempDir Path tmp) throws Exception {
        Files.writeString(tmp.resolve("corpus.txt"), "the cat sat on the mat. ".repeat(200));
        Path config = tmp.resolve("tiny.yaml");
        Files.writeString(config, String.join("\n", "seed: 3", "tokenizer: {type: byte}",
                "model: {preset: gpt2, d_model: 32, layers: 1, heads: 2, max_seq: 32}",
                "data: {train: corpus.txt, validation_fraction: 0.1}", "objective: clm",
                "train: {steps: 1, batch_size: 2, seq_len: 32, eval_every: 0, checkpoint_every: 0, log_every: 1}", ""));
        Path runLog = tmp.resolve("run-classes.log"), listingLog = tmp.resolve("listing-classes.log");
        String run = kiln(tmp, runLog, "pretrain", "--config", config.toString(), "--out", tmp.resolve("run").toString(), "--no-sample");
        assertTrue(run.contains("trained 1 steps"), run);
        assertTrue(loaded(runLog, "dev.kiln.cli.KilnCli"), "the class-loading log is read: " + runLog);
        assertFalse(loaded(runLog, "org.jocl.CL"), "a cpu run loaded JOCL, i.e. probed OpenCL");
        String listing = kiln(tmp, listingLog, "plugins");
        assertTrue(listing.contains("opencl"), listing);
        assertTrue(loaded(listingLog, "org.jocl.CL"), "kiln plugins lists OpenCL's availability through JOCL");
        if ("true".equals(System.getenv("KILN_REQUIRE_OPENCL")))     // CI: OpenCL works here, so the cpu run skipped a probe that would have loaded it
            assertTrue(listing.lines().anyMatch(l -> l.contains(" opencl ") && l.contains("yes:")), "OpenCL is not available:\n" + listing);
    }

    private static boolean loaded(Path classLog, String className) throws Exception {
        return Files.readAllLines(classLog).stream().anyMatch(l -> l.contains(" " + className + " "));
    }

    private static String kiln(Path dir, Path classLog, String... args) throws Exception {
        List<String> cmd = ChildKiln.command(List.of("-Xmx256m", "-Xlog:class+load=info:file=" + classLog), List.of(), args);
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(3, TimeUnit.MINUTES), "child JVM did not finish");
        assertEquals(0, p.exitValue(), out);
        return out;
    }
}
