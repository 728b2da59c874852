package dev.kiln.objective.dae;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.IntPredicate;

/**
 * BART's noise functions over token ids, each with its own rate, applied in BART's order:
 * sentence permutation → token masking → random replacement → token deletion → text infilling →
 * document rotation. Pure host code: one {@link Random} per document makes it deterministic.
 *
 * <p>Special tokens (as {@code special} says) are never masked, replaced or deleted; a span of
 * text infilling may only start on an ordinary token.
 */
final class TextNoise {

    /**
     * Rates. {@code mask}: P(token → [MASK]); {@code replace}: P(token → random token);
     * {@code delete}: P(token removed); {@code infill}: fraction of tokens covered by spans with
     * Poisson({@code lambda}) lengths, each span → one [MASK] (a zero-length span inserts one);
     * {@code permute}: fraction of sentences shuffled among themselves; {@code rotate}: P(the
     * document is rotated to start at a random token).
     */
    record Rates(double mask, double replace, double delete, double infill, double lambda, double permute, double rotate) {
        boolean any() { return mask > 0 || replace > 0 || delete > 0 || infill > 0 || permute > 0 || rotate > 0; }
    }

    private final Rates rates;
    private final int maskId, vocab;
    private final IntPredicate special;

    TextNoise(Rates rates, int maskId, int vocab, IntPredicate special) {
        this.rates = rates;
        this.maskId = maskId;
        this.vocab = vocab;
        this.special = special;
    }

    /** The corrupted token stream of a document given as sentence pieces (their concatenation is the original). */
    int[] corrupt(List<int[]> sentences, Random rng) {
        int[] x = concat(permuteSentences(sentences, rates.permute(), rng));
        x = maskTokens(x, rates.mask(), rng);
        x = replaceTokens(x, rates.replace(), rng);
        x = deleteTokens(x, rates.delete(), rng);
        x = infill(x, rates.infill(), rates.lambda(), rng);
        return rotate(x, rates.rotate(), rng);
    }

    /** BART: ⌈n·p⌉ sentences chosen at random swap places with one another (a random permutation among them). */
    static List<int[]> permuteSentences(List<int[]> sentences, double p, Random rng) {
        int n = sentences.size();
        if (p <= 0 || n < 2) return sentences;
        int k = (int) Math.ceil(n * p);
        int[] chosen = shuffled(n, rng);
        int[] picked = Arrays.copyOf(chosen, k);
        int[] moved = picked.clone();
        shuffleInPlace(moved, rng);
        int[] order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        for (int i = 0; i < k; i++) order[picked[i]] = moved[i];
        List<int[]> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) out.add(sentences.get(order[i]));
        return out;
    }

    int[] maskTokens(int[] x, double p, Random rng) {
        if (p <= 0) return x;
        int[] y = x.clone();
        for (int i = 0; i < y.length; i++) if (!special.test(y[i]) && rng.nextDouble() < p) y[i] = maskId;
        return y;
    }

    int[] replaceTokens(int[] x, double p, Random rng) {
        if (p <= 0) return x;
        int[] y = x.clone();
        for (int i = 0; i < y.length; i++) if (!special.test(y[i]) && rng.nextDouble() < p) y[i] = randomToken(rng);
        return y;
    }

    int[] deleteTokens(int[] x, double p, Random rng) {
        if (p <= 0) return x;
        int[] y = new int[x.length];
        int n = 0;
        for (int t : x) if (special.test(t) || rng.nextDouble() >= p) y[n++] = t;
        return Arrays.copyOf(y, n);
    }

    /**
     * Text infilling: round(n·p) tokens are covered by spans whose lengths are drawn from
     * Poisson(λ) until they add up (the last one is cut to fit). Each span starts at a random
     * ordinary token not yet covered and becomes one [MASK]; a zero-length span inserts a [MASK]
     * before its start token (λ = 0: round(n·p) empty spans, i.e. only insertions).
     */
    int[] infill(int[] x, double p, double lambda, Random rng) {
        int budget = (int) Math.round(x.length * p);
        if (p <= 0 || budget == 0) return x;
        List<Integer> lengths = new ArrayList<>();
        if (lambda == 0) for (int i = 0; i < budget; i++) lengths.add(0);     // every span is empty: round(n·p) insertions
        for (int sum = 0; sum < budget && lambda > 0; ) {
            int len = Math.min(poisson(lambda, rng), budget - sum);
            lengths.add(len);
            sum += len;
            if (lengths.size() > 4 * x.length + 16) break;     // tiny λ: do not draw empty spans for ever
        }
        int[] spanOf = new int[x.length], inserts = new int[x.length];
        Arrays.fill(spanOf, -1);
        for (int s = 0; s < lengths.size(); s++) {
            int start = randomFreeStart(x, spanOf, rng);
            if (start < 0) break;
            if (lengths.get(s) == 0) {
                inserts[start]++;
                continue;
            }
            for (int i = start; i < x.length && i < start + lengths.get(s) && spanOf[i] < 0 && !special.test(x[i]); i++) spanOf[i] = s;
        }
        int[] y = new int[x.length * 2 + 1];
        int n = 0;
        for (int i = 0; i < x.length; i++) {
            for (int k = 0; k < inserts[i]; k++) y = put(y, n++, maskId);
            if (spanOf[i] < 0) y = put(y, n++, x[i]);
            else if (i == 0 || spanOf[i - 1] != spanOf[i]) y = put(y, n++, maskId);
        }
        return Arrays.copyOf(y, n);
    }

    /** BART's rolling noise: with probability p, start the document at a random token 1..n−1 and wrap around. */
    static int[] rotate(int[] x, double p, Random rng) {
        if (p <= 0 || x.length < 2 || rng.nextDouble() >= p) return x;
        int offset = 1 + rng.nextInt(x.length - 1);
        int[] y = new int[x.length];
        System.arraycopy(x, offset, y, 0, x.length - offset);
        System.arraycopy(x, 0, y, x.length - offset, offset);
        return y;
    }

    /** Knuth's multiplication method; fine for the small λ of span lengths. */
    static int poisson(double lambda, Random rng) {
        double limit = Math.exp(-lambda), prod = rng.nextDouble();
        int k = 0;
        while (prod > limit) {
            k++;
            prod *= rng.nextDouble();
        }
        return k;
    }

    private int randomFreeStart(int[] x, int[] spanOf, Random rng) {
        int free = 0;
        for (int i = 0; i < x.length; i++) if (spanOf[i] < 0 && !special.test(x[i])) free++;
        if (free == 0) return -1;
        int pick = rng.nextInt(free);
        for (int i = 0; i < x.length; i++) if (spanOf[i] < 0 && !special.test(x[i]) && pick-- == 0) return i;
        return -1;
    }

    private int randomToken(Random rng) {
        for (int tries = 0; tries < 64; tries++) {
            int t = rng.nextInt(vocab);
            if (!special.test(t)) return t;
        }
        throw new IllegalStateException("could not draw an ordinary token from a vocabulary of " + vocab);
    }

    private static int[] put(int[] y, int at, int v) {
        if (at == y.length) y = Arrays.copyOf(y, y.length * 2);
        y[at] = v;
        return y;
    }

    static int[] concat(List<int[]> parts) {
        int n = 0;
        for (int[] p : parts) n += p.length;
        int[] out = new int[n];
        int at = 0;
        for (int[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    private static int[] shuffled(int n, Random rng) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) a[i] = i;
        shuffleInPlace(a, rng);
        return a;
    }

    static void shuffleInPlace(int[] a, Random rng) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }
}
