package dev.kiln.runtime.report;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class RunLogTest {
    @TempDir
    Path tmp;

    private Path run(String name, String... lines) throws IOException {
        Path dir = tmp.resolve(name);
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(RunLog.METRICS), String.join("\n", lines) + "\n");
        return dir;
    }

    private static String train(long step, double loss) {
        return "{\"type\": \"train\", \"step\": " + step + ", \"time\": " + (100 + step) + ", \"loss\": " + loss + ", \"lr\": 0.001}";
    }

    @Test
    void aResumedRunsRepeatedStepsKeepTheLaterRecordSoTheCurveIsContinuous() throws IOException {
        Path dir = run("resumed", train(1, 5.0), train(2, 4.0), train(3, 3.5),
                "{\"type\": \"eval\", \"step\": 2, \"loss\": 4.1, \"accuracy\": 0.2}",
                train(4, 3.4),                                              // crashed here; resumed from the step-2 checkpoint
                "{\"type\": \"eval\", \"step\": 2, \"loss\": 4.1, \"accuracy\": 0.2}",
                train(3, 3.6), train(4, 3.3), train(5, 3.1));
        RunLog log = RunLog.read(dir);
        Series loss = log.train("loss");
        assertArrayEquals(new long[] {1, 2, 3, 4, 5}, loss.steps());
        assertArrayEquals(new double[] {5.0, 4.0, 3.6, 3.3, 3.1}, loss.values());
        assertEquals(1, log.eval("loss").size());
        assertEquals(5, log.lastStep());
        assertEquals("resumed", log.name());
        assertFalse(log.finished(), "no report.json yet");
        assertEquals(List.of("loss", "lr"), List.copyOf(log.trainKeys()));
        assertEquals(105 - 101, log.wallSeconds(), 1e-9, "running: the first record to the last");
    }

    @Test
    void aHalfWrittenLastLineIsSkippedButABrokenEarlierLineIsAnError() throws IOException {
        Path running = run("running", train(1, 5.0), train(2, 4.5), "{\"type\": \"train\", \"step\": 3, \"lo");
        assertEquals(2, RunLog.read(running).train("loss").size());
        Path broken = run("broken", train(1, 5.0), "{\"type\": \"tr", train(2, 4.5));
        IOException e = assertThrows(IOException.class, () -> RunLog.read(broken));
        assertTrue(e.getMessage().contains("line 2"), e.getMessage());
    }

    @Test
    void nonFiniteValuesAsLoggedAreReadAsDoublesAndLeftOutOfTheExtremes() throws IOException {
        RunLog log = RunLog.read(run("nan", train(1, 5.0), "{\"type\": \"train\", \"step\": 2, \"loss\": \"NaN\"}", train(3, 4.0)));
        Series loss = log.train("loss");
        assertEquals(3, loss.size());
        assertTrue(Double.isNaN(loss.values()[1]));
        assertEquals(4.0, loss.min());
        assertEquals(5.0, loss.max());
    }

    @Test
    void modelSelectionEarlyStopTestAndSamplesComeFromTheLogBeforeReportJsonExists() throws IOException {
        Path dir = run("selected", train(1, 5.0),
                "{\"type\": \"eval\", \"step\": 1, \"loss\": 4.0, \"perplexity\": 54.6}",
                "{\"type\": \"eval\", \"step\": 2, \"loss\": 4.2, \"perplexity\": 66.7}",
                "{\"type\": \"early_stop\", \"step\": 2, \"metric\": \"loss\", \"best_step\": 1, \"best_value\": 4.0}",
                "{\"type\": \"test\", \"step\": 2, \"loss\": 4.3}",
                "{\"type\": \"sample\", \"step\": 2, \"prompt\": \"the\", \"text\": \" cat\"}");
        RunLog log = RunLog.read(dir);
        assertEquals(1, log.bestStep());
        assertEquals(2, log.earlyStopStep());
        assertEquals("loss", log.selectionMetric());
        assertEquals(Map.of("loss", 4.3), log.test());
        assertEquals(4.0, log.firstEval().get("loss"));
        assertEquals(66.7, log.finalEval().get("perplexity"));
        assertEquals(" cat", log.samples().get(0).get("text"));
        assertEquals(List.of("loss", "perplexity"), List.copyOf(log.evalKeys()));

        Files.writeString(dir.resolve(RunLog.REPORT), "{\"steps\": 2, \"wall_seconds\": 9.5, \"validation_after\": {\"loss\": 4.0},"
                + " \"model_selection\": {\"metric\": \"loss\", \"best_step\": 1, \"stopped_early_at\": 2}}");
        RunLog done = RunLog.read(dir);
        assertTrue(done.finished());
        assertEquals(9.5, done.wallSeconds());
        assertEquals(Map.of("loss", 4.0), done.finalEval(), "the loaded best model's metrics, as report.json says");
    }

    @Test
    void aDirectoryWithoutMetricsIsNotARun() {
        assertThrows(NoSuchFileException.class, () -> RunLog.read(tmp));
    }
}
