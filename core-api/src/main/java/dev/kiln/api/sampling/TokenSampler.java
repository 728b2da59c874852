package dev.kiln.api.sampling;

import java.util.Arrays;
import java.util.Random;

/**
 * Picks one token id from a row of next-token logits: repetition penalty, then arg-max (greedy) or
 * temperature → top-k → top-p → a draw (Hugging Face's order). Work is in doubles over a copy of the
 * logits; the caller's array is not modified. Not thread-safe (it owns its RNG). Shared by the
 * runtime's generator and the in-training {@link PolicySampler}.
 */
public final class TokenSampler {
    private final boolean greedy;
    private final double temperature, topP, repetitionPenalty;
    private final int topK;
    private final Random rng;

    /**
     * @param greedy            always the arg-max (the caller decides what counts as greedy)
     * @param temperature       &gt; 0 when not greedy
     * @param topK              0 = off
     * @param topP              in (0, 1]; 1 = off
     * @param repetitionPenalty 1 = off
     * @param seed              seeds the draws: same seed and logits, same ids
     */
    public TokenSampler(boolean greedy, double temperature, int topK, double topP, double repetitionPenalty, long seed) {
        if (!greedy && !(temperature > 0)) throw new IllegalArgumentException("sampling: temperature must be > 0, got " + temperature);
        if (topK < 0) throw new IllegalArgumentException("sampling: top_k must be >= 0 (0 = off), got " + topK);
        if (!(topP > 0 && topP <= 1)) throw new IllegalArgumentException("sampling: top_p must be in (0, 1], got " + topP);
        this.greedy = greedy;
        this.temperature = temperature;
        this.topK = topK;
        this.topP = topP;
        this.repetitionPenalty = repetitionPenalty;
        this.rng = new Random(seed);
    }

    /**
     * @param logits  [V] scores of the next token
     * @param context the ids seen so far (prompt and generated), for the repetition penalty; may be null
     * @param length  how many of {@code context} are valid
     */
    public int next(float[] logits, int[] context, int length) {
        double[] x = new double[logits.length];
        for (int i = 0; i < x.length; i++) x[i] = logits[i];
        if (repetitionPenalty != 1.0 && context != null) penalize(x, context, length, repetitionPenalty);
        if (greedy) return argmax(x);
        double inv = 1.0 / temperature;
        double max = Double.NEGATIVE_INFINITY;
        for (double v : x) max = Math.max(max, v);
        if (max == Double.NEGATIVE_INFINITY || Double.isNaN(max))
            throw new IllegalStateException("sampling: every logit is -infinity or NaN (is the model diverged?)");
        Integer[] order = null;
        int keep = x.length;
        if (topK > 0 && topK < x.length) {
            order = byDescendingLogit(x);
            keep = topK;
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
        if (topP < 1.0) {
            if (order == null) order = byDescendingLogit(x);
            double cumulative = 0, threshold = topP * sum;
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
    public static void penalize(double[] x, int[] context, int length, double penalty) {
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
