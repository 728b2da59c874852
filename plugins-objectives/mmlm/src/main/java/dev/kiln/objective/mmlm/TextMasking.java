package dev.kiln.objective.mmlm;

import dev.kiln.api.ops.Losses;

import java.util.Random;
import java.util.function.IntPredicate;

/**
 * BERT / Hugging Face masking (DataCollatorForLanguageModeling): each ordinary token is selected
 * with probability {@code prob}; a selected token becomes [MASK] with probability
 * {@code maskRatio}, a random ordinary token with probability {@code randomRatio}, and stays as it
 * is otherwise. Only selected positions have a target; special and padding tokens are never selected.
 */
final class TextMasking {
    private final double prob, maskRatio, randomRatio;
    private final int maskId, vocab;
    private final IntPredicate special;

    TextMasking(double prob, double maskRatio, double randomRatio, int maskId, int vocab, IntPredicate special) {
        this.prob = prob;
        this.maskRatio = maskRatio;
        this.randomRatio = randomRatio;
        this.maskId = maskId;
        this.vocab = vocab;
        this.special = special;
    }

    /** Masks {@code ids[from, from + n)} in place and writes their targets (IGNORE where not selected). */
    void apply(int[] ids, int[] targets, int from, int n, Random rng) {
        for (int i = from; i < from + n; i++) {
            targets[i] = Losses.IGNORE;
            if (special.test(ids[i]) || rng.nextDouble() >= prob) continue;
            targets[i] = ids[i];
            double r = rng.nextDouble();
            if (r < maskRatio) ids[i] = maskId;
            else if (r < maskRatio + randomRatio) ids[i] = randomToken(rng);
        }
    }

    private int randomToken(Random rng) {
        for (int tries = 0; tries < 64; tries++) {
            int t = rng.nextInt(vocab);
            if (!special.test(t)) return t;
        }
        throw new IllegalStateException("could not draw an ordinary token from a vocabulary of " + vocab);
    }
}
