package dev.kiln.runtime.generate;

import java.util.Arrays;
import java.util.Random;

/**
 * Picks one token id from a row of next-token logits under {@link SamplingSettings}: repetition
 * penalty, then arg-max (greedy) or temperature → top-k → top-p → a draw. Work is in doubles over a
 * copy of the logits; the caller's array is not modified. Not thread-safe (it owns its RNG).
 */
public final class TokenSampler {
    private final SamplingSettings settings;
    private final Random rng;

    public TokenSampler(SamplingSettings settings) {
        this.settings = settings;
        this.rng = new Random(settings.seed());
    }

    /**
     * @param logits  [V] scores of the next token
     * @param context the ids seen so far (prompt and generated), for the repetition penalty; may be null
     * @param length  how many of {@code context} are valid
     */
    public int next(float[] logits, int[] context, int length) {
        double[] x = new double[logits.length];
        for (int i = 0; i < x.length; i++) x[i] = logits[i];
        if (settings.repetitionPenalty() != 1.0 && context != null) penalize(x, context, length, settings.repetitionPenalty());
        if (settings.isGreedy()) return argmax(x);
        double inv = 1.0 / settings.temperature();
        double max = Double.NEGATIVE_INFINITY;
        for (double v : x) max = Math.max(max, v);
        if (max == Double.NEGATIVE_INFINITY || Double.isNaN(max))
            throw new IllegalStateException("sampling: every logit is -infinity or NaN (is the model diverged?)");
        Integer[] order = null;
        int keep = x.length;
        if (settings.topK() > 0 && settings.topK() < x.length) {
            order = byDescendingLogit(x);
            keep = settings.topK();
        }
        double[] p = new double[x.length];
        double sum = 0;
        for (int i = 0; i < x.length; i++) {
            p[i] = Math.exp((x[i] - max) * inv);
            sum += p[i];
        }
        if (order != null) { // zero everything below the k-th
            for (int r = keep; r < order.length; r++) {
                sum -= p[order[r]];
                p[order[r]] = 0;
            }
        }
        if (settings.topP() < 1.0) {
            if (order == null) order = byDescendingLogit(x);
            double cumulative = 0, threshold = settings.topP() * sum;
            int r = 0;
            for (; r < keep; r++) {
                cumulative += p[order[r]];
                if (cumulative >= threshold) { r++; break; }
            }
            for (int q = r; q < order.length; q++) {
                p[order[q]] = 0;
            }
            sum = 0;
            for (double v : p) sum += v;
        }
        double u = rng.nextDouble() * sum, acc = 0;
        int last = -1;
        for (int i = 0; i < p.length; i++) {
            if (p[i] == 0) continue;
            acc += p[i];
            last = i;
            if (u < acc) return i;
        }
        return last >= 0 ? last : argmax(x);
    }

    /** Index of the largest value (the first one on ties). */
    public static int argmax(double[] x) {
        int best = 0;
        for (int i = 1; i < x.length; i++) if (x[i] > x[best]) best = i;
        return best;
    }

    public static int argmax(float[] x) {
        int best = 0;
        for (int i = 1; i < x.length; i++) if (x[i] > x[best]) best = i;
        return best;
    }

    /** CTRL (Keskar et al. 2019): a seen token's positive logit is divided by the penalty, a negative one multiplied. */
    static void penalize(double[] x, int[] context, int length, double penalty) {
        boolean[] seen = new boolean[x.length];
        for (int i = 0; i < length; i++) {
            int id = context[i];
            if (id < 0 || id >= x.length || seen[id]) continue;
            seen[id] = true;
            x[id] = x[id] > 0 ? x[id] / penalty : x[id] * penalty;
        }
    }

    private static Integer[] byDescendingLogit(double[] x) {
        Integer[] idx = new Integer[x.length];
        for (int i = 0; i < idx.length; i++) idx[i] = i;
        Arrays.sort(idx, (a, b) -> a.equals(b) ? 0 : x[a] != x[b] ? Double.compare(x[b], x[a]) : Integer.compare(a, b));
        return idx;
    }
}
