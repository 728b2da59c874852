package dev.kiln.api.tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Encodes text in which the tokenizer's special-token names (e.g. {@code <|eot_id|>},
 * {@code <start_of_turn>}, {@code [SEP]}) stand for their ids, as rendered chat templates and
 * instruction formats write them: the text is split at those names (leftmost, longest first) and
 * the pieces between them are encoded with {@link Tokenizer#encode}, as Hugging Face tokenizers
 * split on added tokens before pre-tokenizing. Make one per tokenizer and reuse it.
 */
public final class SpecialTokenText {
    private final Tokenizer tokenizer;
    private final List<Map.Entry<String, Integer>> specials;    // longest name first

    public SpecialTokenText(Tokenizer tokenizer) {
        this.tokenizer = tokenizer;
        this.specials = new ArrayList<>(tokenizer.specialTokens().entrySet());
        specials.removeIf(e -> e.getKey().isEmpty());
        specials.sort((a, b) -> b.getKey().length() - a.getKey().length());
    }

    public int[] encode(String text) {
        int[] out = new int[Math.max(16, text.length() / 2)];
        int n = 0, from = 0;
        while (from < text.length()) {
            int at = -1, id = -1, len = 0;
            for (Map.Entry<String, Integer> s : specials) {
                int i = text.indexOf(s.getKey(), from);
                if (i >= 0 && (at < 0 || i < at)) {
                    at = i;
                    id = s.getValue();
                    len = s.getKey().length();
                }
            }
            int end = at < 0 ? text.length() : at;
            if (end > from) {
                int[] piece = tokenizer.encode(text.substring(from, end));
                if (n + piece.length + 1 > out.length) out = Arrays.copyOf(out, Math.max(out.length * 2, n + piece.length + 1));
                System.arraycopy(piece, 0, out, n, piece.length);
                n += piece.length;
            }
            if (at < 0) break;
            if (n + 1 > out.length) out = Arrays.copyOf(out, out.length * 2);
            out[n++] = id;
            from = at + len;
        }
        return Arrays.copyOf(out, n);
    }
}
