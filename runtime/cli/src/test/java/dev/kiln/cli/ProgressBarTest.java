package dev.kiln.cli;

import dev.kiln.runtime.train.TrainingListener.StepReport;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class ProgressBarTest {
    private long now;

    private ProgressBar bar(StringWriter sink, boolean terminal, int every) {
        return new ProgressBar(new PrintWriter(sink, true), terminal, every, () -> now);
    }

    private static StepReport step(long s, long total) {
        return new StepReport(s, total, 2.3141, 3e-4, 0.5, 1000, 4000, 0.25);
    }

    @Test
    void plainLogLinesEveryIntervalAndAtEvals() {
        StringWriter w = new StringWriter();
        ProgressBar p = bar(w, false, 10);
        p.onStart(0, 25);
        for (int s = 1; s <= 25; s++) {
            now += 250_000_000L; // 0.25 s per step, 1000 tokens → 4,000 tok/s
            p.onStep(step(s, 25));
        }
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("loss", 1.92);
        m.put("perplexity", 6.82);
        m.put("accuracy", 0.41);
        p.onEval(25, m);
        p.onEnd(25);
        String[] lines = w.toString().split("\n");
        assertEquals(4, lines.length, w.toString());
        assertTrue(lines[0].startsWith("step 10/25: loss 2.3141"), lines[0]);
        assertTrue(lines[0].contains("4,000 tok/s"), lines[0]);
        assertTrue(lines[0].contains("ETA 4s"), lines[0]);
        assertTrue(lines[2].startsWith("step 25/25"), lines[2]);
        assertEquals("eval @ step 25: loss 1.92 perplexity 6.82 accuracy 0.41", lines[3]);
        assertFalse(w.toString().contains("\r"));
    }

    /** A validation split too small for one batch evaluates to nothing; the line says why instead of ending at the colon. */
    @Test
    void anEvaluationWithoutBatchesSaysWhy() {
        StringWriter w = new StringWriter();
        bar(w, false, 10).onEval(3, Map.of());
        assertEquals("eval @ step 3: no batches (the validation split is too small for one batch of train.batch_size × train.seq_len)",
                w.toString().strip());
    }

    @Test
    void terminalRedrawsOneLine() {
        StringWriter w = new StringWriter();
        ProgressBar p = bar(w, true, 10);
        p.onStart(0, 600);
        for (int s = 1; s <= 120; s++) {
            now += 250_000_000L;
            p.onStep(step(s, 600));
        }
        String out = w.toString();
        String last = out.substring(out.lastIndexOf('\r') + 1);
        assertEquals("step 120/600 [===>                    ] loss 2.314 · 4,000 tok/s · ETA 2m00s", last.stripTrailing());
        assertFalse(out.contains("\n"));
        p.onEval(120, Map.of("loss", 1.5));
        assertTrue(w.toString().endsWith("eval @ step 120: loss 1.5\n"), w.toString());
    }

    @Test
    void barShapes() {
        assertEquals("[" + " ".repeat(24) + "]", ProgressBar.bar(0, 10));
        assertEquals("[" + "=".repeat(24) + "]", ProgressBar.bar(10, 10));
        assertEquals("[===========>            ]", ProgressBar.bar(5, 10));
    }

    @Test
    void formats() {
        assertEquals("1m52s", Format.duration(112));
        assertEquals("2h03m", Format.duration(7380));
        assertEquals("241.3", Format.metric(241.31));
        assertEquals("3.12", Format.metric(3.12));
        assertEquals("3,950", Format.thousands(3950.2));
    }
}
