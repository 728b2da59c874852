package dev.kiln.samples;

import dev.kiln.api.io.Json;
import dev.kiln.runtime.pipeline.PipelineResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A run killed after its last checkpoint and resumed logs every step once, in order (what the killed
 * run logged past the checkpoint is dropped), and its report's 'before' is the run's first
 * evaluation, not the resumed session's; a run that left no checkpoint starts its log over.
 */
class ResumeRecordsTest {

    @Test
    void aResumedRunLogsEveryStepOnceAndReportsTheWholeRun(@TempDir Path tmp) throws Exception {
        List<String> config = Runs.tiny("train.steps=10", "train.eval_every=5", "train.checkpoint_every=5");
        PipelineResult straight = Runs.pretrain("gpt-stories.yaml", config, tmp.resolve("straight"));

        // the killed run: it got to step 8 (records 1..8, evals 0 and 5, half a line) with its checkpoint at 5
        Path killed = tmp.resolve("killed");
        Files.createDirectories(killed.resolve("checkpoints"));
        ReproducibilityTest.copyTree(tmp.resolve("straight/checkpoints/step-000005"), killed.resolve("checkpoints/step-000005"));
        Files.writeString(killed.resolve("checkpoints/latest"), "step-000005\n");
        List<String> logged = new ArrayList<>();
        for (String line : Files.readAllLines(tmp.resolve("straight/metrics.jsonl")))
            if (step(line) <= 8) logged.add(line);
        Files.writeString(killed.resolve("metrics.jsonl"), String.join("\n", logged) + "\n{\"type\":\"train\",\"st");

        PipelineResult resumed = Runs.pretrain("gpt-stories.yaml", config, killed);
        List<String> records = new ArrayList<>();
        for (String line : Files.readAllLines(killed.resolve("metrics.jsonl"))) records.add(type(line) + "@" + step(line));
        List<String> expected = new ArrayList<>(List.of("eval@0"));
        for (int s = 1; s <= 10; s++) {
            expected.add("train@" + s);
            if (s % 5 == 0) expected.add("eval@" + s);
        }
        assertEquals(expected, records);
        assertEquals(straight.initialEval(), resumed.initialEval(), "'before' is the run's step-0 evaluation");
        assertEquals(straight.initialEval().get("loss"),
                ((Map<?, ?>) Json.readObject(killed.resolve("report.json")).get("validation_before")).get("loss"));
    }

    /** A run killed before its first checkpoint (a Spark stage restarted early) starts over: its log too, not appended to. */
    @Test
    void aRunRestartedWithoutACheckpointLogsEveryStepOnce(@TempDir Path tmp) throws Exception {
        List<String> config = Runs.tiny("train.steps=6", "train.eval_every=0", "train.checkpoint_every=5");
        Runs.pretrain("gpt-stories.yaml", config, tmp.resolve("straight"));
        Path killed = tmp.resolve("killed");
        Files.createDirectories(killed);
        List<String> logged = new ArrayList<>();
        for (String line : Files.readAllLines(tmp.resolve("straight/metrics.jsonl")))
            if (step(line) <= 3) logged.add(line);
        Files.writeString(killed.resolve("metrics.jsonl"), String.join("\n", logged) + "\n");

        Runs.pretrain("gpt-stories.yaml", config, killed);
        List<String> records = new ArrayList<>();
        for (String line : Files.readAllLines(killed.resolve("metrics.jsonl"))) records.add(type(line) + "@" + step(line));
        assertEquals(List.of("train@1", "train@2", "train@3", "train@4", "train@5", "train@6"), records);
    }

    private static long step(String line) {
        return Long.parseLong(line.replaceAll(".*\"step\":(\\d+).*", "$1"));
    }

    private static String type(String line) {
        return line.replaceAll(".*\"type\":\"([a-z_]+)\".*", "$1");
    }
}
