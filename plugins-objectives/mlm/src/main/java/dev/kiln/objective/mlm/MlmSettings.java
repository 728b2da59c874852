package dev.kiln.objective.mlm;

/**
 * The parsed {@code mlm} config (see {@link MlmObjectiveFactory} for the keys and defaults).
 *
 * @param maskProb          fraction of maskable tokens selected for prediction (HF {@code mlm_probability})
 * @param maskReplaceProb   of the selected, the share replaced by [MASK] (HF {@code mask_replace_prob})
 * @param randomReplaceProb of the selected, the share replaced by a random non-special token (HF {@code random_replace_prob});
 *                          the remaining 1 − mask − random stay unchanged
 * @param wholeWord         select whole words (all pieces of a word together) instead of single tokens
 * @param span              select contiguous spans (SpanBERT) of Geometric({@code spanP}) length, at most {@code maxSpan} units
 * @param pack              true: documents joined by [SEP] and cut into full rows (every token once per epoch);
 *                          false: one chunk of each document per row and epoch, padded ({@link DocumentRows})
 */
public record MlmSettings(double maskProb, double maskReplaceProb, double randomReplaceProb, boolean wholeWord,
                          boolean span, double spanP, int maxSpan, boolean pack, boolean shuffle, boolean dropLast) {

    /** The defaults: BERT's 15% with 80/10/10, token-level, one document chunk per row. */
    public static MlmSettings defaults() {
        return new MlmSettings(0.15, 0.8, 0.1, false, false, 0.2, 10, false, true, false);
    }
}
