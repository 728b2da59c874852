package dev.kiln.api.completion;

import dev.kiln.api.tokenizer.SpecialTokenText;
import dev.kiln.api.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Text pieces ({@link Piece}) → token ids with a trained flag per token, then
 * truncation to what one row can hold.
 *
 * <p>Each piece is tokenized on its own and the ids are concatenated, so a trained region starts
 * and ends exactly at a piece boundary (no token straddles prompt and completion). In a literal
 * (template) piece, the tokenizer's special-token names (longest first) become their special ids;
 * content pieces are encoded as plain text, so data cannot inject special tokens.
 *
 * <p><b>Truncation</b>: a row of T input positions holds an example of T + 1 tokens (the inputs
 * are tokens [0, n−1), the targets tokens [1, n)). The example's <em>prompt</em> is everything
 * before its first trained token, the <em>rest</em> starts there. When the example is too long,
 * the prompt loses tokens from the left first (its end, the question and the answer's header, is
 * what the completion depends on most), but keeps at least half of the budget when it has that
 * many tokens; the rest is cut from the right (its start, which the model must learn to produce
 * first, stays). So a long prompt cannot crowd out the completion, as TRL's plain right
 * truncation can, and every truncated example keeps at least one trained target.
 */
public final class PieceEncoder {
    /** One tokenized example: ids and whether each token is a loss target; {@code source} for errors. */
    public record Encoded(int[] ids, boolean[] trained, String source) {
        public int length() { return ids.length; }

        /** Targets of this example as a row: tokens [1, n) that are trained. */
        public int targets() {
            int n = 0;
            for (int i = 1; i < trained.length; i++) if (trained[i]) n++;
            return n;
        }
    }

    private final Tokenizer tokenizer;
    private final SpecialTokenText literal;

    public PieceEncoder(Tokenizer tokenizer) {
        this.tokenizer = tokenizer;
        this.literal = new SpecialTokenText(tokenizer);
    }

    public Encoded encode(List<Piece> pieces, String source) {
        List<int[]> parts = new ArrayList<>();
        List<Boolean> flags = new ArrayList<>();
        int n = 0;
        for (Piece p : pieces) {
            if (p.text().isEmpty()) continue;
            int[] ids = p.literal() ? encodeLiteral(p.text()) : tokenizer.encode(p.text());
            parts.add(ids);
            flags.add(p.trained());
            n += ids.length;
        }
        int[] ids = new int[n];
        boolean[] trained = new boolean[n];
        int o = 0;
        for (int i = 0; i < parts.size(); i++) {
            System.arraycopy(parts.get(i), 0, ids, o, parts.get(i).length);
            Arrays.fill(trained, o, o + parts.get(i).length, flags.get(i));
            o += parts.get(i).length;
        }
        return new Encoded(ids, trained, source);
    }

    /** Template text: special-token names become their ids, the text between them is encoded. */
    public int[] encodeLiteral(String text) {
        return literal.encode(text);
    }

    /**
     * The example cut to at most {@code budget} tokens (a row's positions + 1), as the class
     * comment describes. {@code budget} ≥ 2.
     */
    public static Encoded truncate(Encoded e, int budget) {
        int n = e.length();
        if (n <= budget) return e;
        int prompt = 0;
        while (prompt < n && !e.trained()[prompt]) prompt++;
        int rest = n - prompt;
        int keepPrompt = Math.max(budget - rest, Math.min(prompt, budget / 2));
        int from = prompt - keepPrompt, to = prompt + (budget - keepPrompt);
        return new Encoded(Arrays.copyOfRange(e.ids(), from, to), Arrays.copyOfRange(e.trained(), from, to), e.source());
    }
}
