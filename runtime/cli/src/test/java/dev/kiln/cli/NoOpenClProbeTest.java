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
 * choice probes it (on a host with only pocl), so Aparapi neither prints its "untested OpenCL platform"
 * warning nor unpacks its native library; {@code kiln plugins}, which lists availability, still does.
 * Meaningful where an OpenCL runtime is installed: CI installs pocl and sets KILN_REQUIRE_OPENCL, under which the
 * listing must show OpenCL available.
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
        String run = kiln(tmp, "pretrain", "--config", config.toString(), "--out", tmp.resolve("run").toString(), "--no-sample");
        assertTrue(run.contains("trained 1 steps"), run);
        assertFalse(run.contains("Aparapi"), "a cpu run went through Aparapi:\n" + run);
        String listing = kiln(tmp, "plugins");
        assertTrue(listing.contains("opencl"), listing);
        if ("true".equals(System.getenv("KILN_REQUIRE_OPENCL")))     // CI: OpenCL works here, so the cpu run skipped a probe that would have loaded it
            assertTrue(listing.lines().anyMatch(l -> l.contains(" opencl ") && l.contains("yes:")), "OpenCL is not available:\n" + listing);
    }

    private static String kiln(Path dir, String... args) throws Exception {
        List<String> cmd = ChildKiln.command("-Xmx256m", List.of(), args);
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(3, TimeUnit.MINUTES), "child JVM did not finish");
        assertEquals(0, p.exitValue(), out);
        return out;
    }
}
