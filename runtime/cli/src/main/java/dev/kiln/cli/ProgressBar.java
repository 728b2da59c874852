package dev.kiln.cli;

import dev.kiln.runtime.train.TrainingListener;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Training progress on stderr. On a terminal: one line redrawn in place,
 * {@code step 120/600 [=====>    ] loss 2.314 · 3,950 tok/s · ETA 1m52s}. Elsewhere (a log file, a
 * pipe, CI): a plain line every {@code logEvery} steps and at the last step. Evaluations and
 * checkpoints always get their own line: {@code eval @ step 100: loss 1.92 perplexity 6.8}.
 * Throughput and ETA are averaged since the first step this run took (resumed runs included).
 */
public final class ProgressBar implements TrainingListener {
    private static final int BAR = 24;

    private final PrintWriter err;
    private final boolean terminal;
    private final int logEvery;
    private final LongSupplier nanoClock;
    private long startStep, totalSteps;
    private long firstNanos = -1, stepsTimed, tokensTimed;
    private double smoothedLoss = Double.NaN;
    private int drawnWidth;

    /** @param terminal redraw one line (see Terminal.isInteractive()) or print log lines */
    public ProgressBar(PrintWriter err, boolean terminal, int logEvery) {
        this(err, terminal, logEvery, System::nanoTime);
    }

    ProgressBar(PrintWriter err, boolean terminal, int logEvery, LongSupplier nanoClock) {
        this.err = err;
        this.terminal = terminal;
        this.logEvery = Math.max(1, logEvery);
        this.nanoClock = nanoClock;
    }

    @Override
    public void onStart(long fromStep, long total) {
        Activity.set("training, at step " + (fromStep + 1) + "/" + total);
        startStep = fromStep;
        totalSteps = total;
        firstNanos = nanoClock.getAsLong();
        if (fromStep > 0) line("resuming at step " + fromStep + "/" + total);
    }

    @Override
    public void onStep(StepReport r) {
        Activity.set("training, after step " + r.step() + "/" + r.totalSteps());
        if (r.step() > startStep + 1 || stepsTimed > 0) { // the first step (warm-up, JIT) does not count
            stepsTimed++;
            tokensTimed += r.tokens();
        } else {
            firstNanos = nanoClock.getAsLong();
        }
        smoothedLoss = Double.isNaN(smoothedLoss) ? r.loss() : 0.9 * smoothedLoss + 0.1 * r.loss();
        double elapsed = (nanoClock.getAsLong() - firstNanos) / 1e9;
        double tokPerSec = stepsTimed > 0 && elapsed > 0 ? tokensTimed / elapsed : r.tokensPerSecond();
        double secPerStep = stepsTimed > 0 && elapsed > 0 ? elapsed / stepsTimed : r.stepSeconds();
        double eta = (totalSteps - r.step()) * secPerStep;
        long total = r.totalSteps() > 0 ? r.totalSteps() : totalSteps;
        if (terminal) {
            draw("step " + r.step() + "/" + total + " " + bar(r.step(), total) + " loss " + Format.fixed(r.loss(), 3)
                    + " · " + Format.thousands(tokPerSec) + " tok/s · ETA " + Format.duration(eta));
        } else if (r.step() % logEvery == 0 || r.step() == total) {
            line("step " + r.step() + "/" + total + ": loss " + Format.fixed(r.loss(), 4) + " (avg "
                    + Format.fixed(smoothedLoss, 4) + ") lr " + String.format(java.util.Locale.ROOT, "%.3g", r.lr())
                    + " grad-norm " + Format.metric(r.gradNorm()) + " · " + Format.thousands(tokPerSec)
                    + " tok/s · ETA " + Format.duration(eta));
        }
    }

    @Override
    public void onEval(long step, Map<String, Double> metrics) {
        line("eval @ step " + step + ": " + (metrics.isEmpty()
                ? "no batches (the validation split is too small for one batch of train.batch_size × train.seq_len)" : Format.metrics(metrics)));
    }

    @Override
    public void onCheckpoint(long step, Path dir) {
        line("checkpoint @ step " + step + ": " + dir);
    }

    @Override
    public void onMessage(String text) { line(text); }

    @Override
    public void onEnd(long step) {
        clear();
        err.flush();
    }

    /** A line of its own (clearing the bar first on a terminal; the next step redraws it). */
    void line(String text) {
        clear();
        err.println(text);
        err.flush();
    }

    /** [=====>     ] with BAR cells. */
    static String bar(long step, long total) {
        int filled = total <= 0 ? 0 : (int) Math.max(0, Math.min(BAR, step * BAR / total));
        if (filled == BAR) return "[" + "=".repeat(BAR) + "]";
        if (filled == 0) return "[" + " ".repeat(BAR) + "]";
        return "[" + "=".repeat(filled - 1) + ">" + " ".repeat(BAR - filled) + "]";
    }

    private void draw(String text) {
        int pad = Math.max(0, drawnWidth - text.length());
        err.print("\r" + text + " ".repeat(pad));
        err.flush();
        drawnWidth = text.length();
    }

    private void clear() {
        if (terminal && drawnWidth > 0) {
            err.print("\r" + " ".repeat(drawnWidth) + "\r");
            drawnWidth = 0;
        }
    }
}
