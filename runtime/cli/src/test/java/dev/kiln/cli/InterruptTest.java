package dev.kiln.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/**
 * SIGTERM stops training at a step boundary with a checkpoint and says how to resume (exit 143);
 * SIGINT stops without one (exit 130). Real signals, to a child JVM running {@code kiln pretrain}.
 */
class InterruptTest {
    private static final Pattern STEP = Pattern.compile("step (\\d+)/");

    @Test
    void sigtermSavesACheckpointAndTheRunResumesFromIt(@TempDir Path tmp) throws Exception {
        Path config = config(tmp);
        Path out = tmp.resolve("run");
        Child child = start(tmp, config, out, "train.steps=100000");
        child.waitForStep(3);
        signal(child, "TERM");                                 // not Process.destroy(), which also closes the child's output
        String output = child.finish();
        assertEquals(Interrupts.SIGTERM_EXIT, child.process.exitValue(), output);
        Matcher m = Pattern.compile("kiln pretrain: interrupted by SIGTERM at step (\\d+); saved a checkpoint at step \\1; resume with the same --out")
                .matcher(output);
        assertTrue(m.find(), output);
        long step = Long.parseLong(m.group(1));
        assertTrue(step >= 3, output);
        assertTrue(Files.isDirectory(out.resolve(String.format("checkpoints/step-%06d", step))), "the checkpoint of step " + step);

        Child resumed = start(tmp, config, out, "train.steps=" + (step + 2));
        String again = resumed.finish();
        assertEquals(0, resumed.process.exitValue(), again);
        assertTrue(again.contains("trained 2 steps (resumed; now at step " + (step + 2) + ")"), again);
    }

    @Test
    void sigintStopsWithoutACheckpoint(@TempDir Path tmp) throws Exception {
        Path config = config(tmp);
        Path out = tmp.resolve("run");
        Child child = start(tmp, config, out, "train.steps=100000");
        child.waitForStep(2);
        signal(child, "INT");
        String output = child.finish();
        assertEquals(Interrupts.SIGINT_EXIT, child.process.exitValue(), output);
        assertTrue(output.matches("(?s).*kiln pretrain: interrupted by SIGINT at step \\d+; no checkpoint yet\\R.*"), output);
        assertFalse(Files.exists(out.resolve("checkpoints/latest")), "SIGINT saves nothing");
    }

    private static void signal(Child child, String name) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(child.process.pid())).start();
        assertEquals(0, kill.waitFor());
    }

    private static Path config(Path dir) throws IOException {
        Files.writeString(dir.resolve("corpus.txt"), "the cat sat on the mat. ".repeat(400));
        Path config = dir.resolve("tiny.yaml");
        Files.writeString(config, String.join("\n",
                "seed: 3", "tokenizer: {type: byte}",
                "model: {preset: gpt2, d_model: 32, layers: 1, heads: 2, max_seq: 32}",
                "data: {train: corpus.txt, validation_fraction: 0.1}", "objective: clm",
                "train: {batch_size: 4, seq_len: 32, lr: 0.001, eval_every: 0, checkpoint_every: 0, log_every: 1}", ""));
        return config;
    }

    private static Child start(Path dir, Path config, Path out, String... overrides) throws IOException {
        List<String> cmd = ChildKiln.command("-Xmx256m", List.of("--backend", "cpu"),
                "pretrain", "--config", config.toString(), "--out", out.toString(), "--no-sample");
        cmd.addAll(List.of(overrides));
        return new Child(new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start());
    }

    /** A child JVM whose output is read line by line. */
    private static final class Child {
        final Process process;
        final BufferedReader lines;
        final StringBuilder seen = new StringBuilder();

        Child(Process process) {
            this.process = process;
            this.lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        }

        /** Reads until the progress shows step {@code n} done. */
        void waitForStep(long n) throws IOException {
            for (String line; (line = lines.readLine()) != null; ) {
                seen.append(line).append('\n');
                Matcher m = STEP.matcher(line);
                if (m.find() && Long.parseLong(m.group(1)) >= n) return;
            }
            fail("the child ended before step " + n + ":\n" + seen);
        }

        String finish() throws IOException, InterruptedException {
            for (String line; (line = lines.readLine()) != null; ) seen.append(line).append('\n');
            assertTrue(process.waitFor(2, TimeUnit.MINUTES), "child JVM did not finish");
            return seen.toString();
        }
    }
}
