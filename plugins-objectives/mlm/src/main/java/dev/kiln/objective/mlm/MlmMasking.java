package dev.kiln.objective.mlm;

import dev.kiln.api.ops.Losses;
import dev.kiln.api.tokenizer.Tokenizer;

import java.util.Random;

/**
 * Chooses the positions to predict and corrupts them, on the host: Hugging Face's
 * {@code DataCollatorForLanguageModeling} (token level), {@code DataCollatorForWholeWordMask}
 * (whole words) and SpanBERT's span masking. Special tokens ([CLS], [SEP], [PAD], [MASK], ...)
 * are never selected.
 *
 * <p><b>Selection</b>
 * <ul>
 *   <li>token level: each maskable token is selected with probability {@code mask_prob}
 *       (independent Bernoulli draws, as HF);</li>
 *   <li>whole words: budget = max(1, round(maskable · mask_prob)) tokens; words (see
 *       {@link WordStarts}) are visited in a random order and taken whole while they fit the
 *       budget (HF's {@code _whole_word_mask}, Google's {@code create_masked_lm_predictions});</li>
 *   <li>spans: the same budget; span lengths L ~ Geometric(span_p) clipped to max_span units
 *       (units = words with whole_word, else tokens), started at a random unit, cut at the budget
 *       and at non-adjacent units, until the budget is met or 4·units + 16 draws are spent.</li>
 * </ul>
 * A row with maskable tokens but nothing selected gets one random unit, so every row predicts
 * something (Google's max(1, ·); changes the ratio only for very short rows).
 *
 * <p><b>Corruption</b> of each selected token, independently: [MASK] with probability
 * {@code mask_replace_prob}, a uniformly random non-special token with probability
 * {@code random_replace_prob}, else unchanged. Labels hold the original id at selected
 * positions and {@link Losses#IGNORE} elsewhere.
 */
final class MlmMasking {
    private final MlmSettings settings;
    private final int maskId;
    private final boolean[] special;
    private final int[] ordinary;
    private final WordStarts words;

    MlmMasking(Tokenizer tokenizer, MlmSettings settings) {
        this.settings = settings;
        this.maskId = tokenizer.requireSpecial(Tokenizer.MASK);
        this.special = new boolean[tokenizer.vocabSize()];
        for (int id : tokenizer.specialTokens().values()) if (id >= 0 && id < special.length) special[id] = true;
        int n = 0;
        for (boolean s : special) if (!s) n++;
        this.ordinary = new int[n];
        for (int id = 0, k = 0; id < special.length; id++) if (!special[id]) ordinary[k++] = id;
        this.words = new WordStarts(tokenizer);
    }

    /** The corrupted row and its labels. */
    record Masked(int[] inputs, int[] labels, int selected) {}

    /** Selects and corrupts one row (ids, no padding); the rng advances deterministically. */
    Masked apply(int[] row, Random rng) {
        boolean[] chosen = select(row, rng);
        int[] inputs = row.clone(), labels = new int[row.length];
        int count = 0;
        double maskP = settings.maskReplaceProb(), randomP = maskP + settings.randomReplaceProb();
        for (int i = 0; i < row.length; i++) {
            if (!chosen[i]) {
                labels[i] = Losses.IGNORE;
                continue;
            }
            labels[i] = row[i];
            count++;
            double r = rng.nextDouble();
            if (r < maskP) inputs[i] = maskId;
            else if (r < randomP && ordinary.length > 0) inputs[i] = ordinary[rng.nextInt(ordinary.length)];
        }
        return new Masked(inputs, labels, count);
    }

    /** Which positions of {@code row} are predicted. */
    boolean[] select(int[] row, Random rng) {
        boolean[] maskable = new boolean[row.length];
        int candidates = 0;
        for (int i = 0; i < row.length; i++) {
            int id = row[i];
            maskable[i] = id >= 0 && id < special.length && !special[id];
            if (maskable[i]) candidates++;
        }
        boolean[] chosen = new boolean[row.length];
        if (candidates == 0) return chosen;
        int[] groupOf = new int[row.length];
        int units = unitsOf(row, maskable, groupOf);
        int[] start = new int[units], len = new int[units];
        for (int i = row.length - 1; i >= 0; i--) if (groupOf[i] >= 0) { start[groupOf[i]] = i; len[groupOf[i]]++; }
        int taken;
        if (!settings.wholeWord() && !settings.span()) taken = bernoulli(maskable, chosen, rng);
        else {
            int budget = (int) Math.max(1, Math.round(candidates * settings.maskProb()));
            taken = settings.span() ? spans(start, len, budget, chosen, rng) : wholeUnits(start, len, budget, chosen, rng);
        }
        if (taken == 0) mark(start, len, rng.nextInt(units), chosen);
        return chosen;
    }

    private int unitsOf(int[] row, boolean[] maskable, int[] groupOf) {
        if (settings.wholeWord()) return words.group(row, maskable, groupOf);
        int u = 0;
        for (int i = 0; i < row.length; i++) groupOf[i] = maskable[i] ? u++ : -1;
        return u;
    }

    private int bernoulli(boolean[] maskable, boolean[] chosen, Random rng) {
        int taken = 0;
        for (int i = 0; i < maskable.length; i++)
            if (maskable[i] && rng.nextDouble() < settings.maskProb()) { chosen[i] = true; taken++; }
        return taken;
    }

    /** Units in a random order, each taken whole while it fits the budget. */
    private int wholeUnits(int[] start, int[] len, int budget, boolean[] chosen, Random rng) {
        int[] order = new int[start.length];
        for (int i = 0; i < order.length; i++) order[i] = i;
        for (int i = order.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1), t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        int covered = 0;
        for (int u : order) {
            if (covered >= budget) break;
            if (covered + len[u] > budget) continue;
            covered += mark(start, len, u, chosen);
        }
        return covered;
    }

    /** Geometric-length spans of adjacent units, cut to fit the budget. */
    private int spans(int[] start, int[] len, int budget, boolean[] chosen, Random rng) {
        int units = start.length, covered = 0;
        double p = settings.spanP();
        for (int attempt = 0; attempt < 4 * units + 16 && covered < budget; attempt++) {
            int length = 1;                                           // Geometric(p) on {1, 2, ...}, clipped
            while (length < settings.maxSpan() && rng.nextDouble() >= p) length++;
            int u = rng.nextInt(units), end = u + 1, tokens = len[u];
            while (end < units && end - u < length && start[end] == start[end - 1] + len[end - 1]
                    && covered + tokens + len[end] <= budget) {
                tokens += len[end];
                end++;
            }
            if (covered + tokens > budget) continue;
            for (int k = u; k < end; k++) if (!chosen[start[k]]) covered += mark(start, len, k, chosen);
        }
        return covered;
    }

    private static int mark(int[] start, int[] len, int unit, boolean[] chosen) {
        for (int i = start[unit]; i < start[unit] + len[unit]; i++) chosen[i] = true;
        return len[unit];
    }
}
