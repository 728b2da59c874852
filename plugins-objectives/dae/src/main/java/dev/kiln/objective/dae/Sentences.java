package dev.kiln.objective.dae;

import dev.kiln.api.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a document into sentence pieces whose concatenation is the document: a piece ends after
 * a run of '.', '!' or '?' and the whitespace that follows it (or at a newline). Each piece is
 * tokenized on its own, so permuting pieces permutes whole sentences in token space.
 */
final class Sentences {
    private Sentences() {}

    static List<String> split(String text) {
        List<String> out = new ArrayList<>();
        int start = 0, i = 0, n = text.length();
        while (i < n) {
            char c = text.charAt(i);
            boolean end = c == '.' || c == '!' || c == '?';
            if (c == '\n' || (end && (i + 1 == n || Character.isWhitespace(text.charAt(i + 1))))) {
                i++;
                while (i < n && Character.isWhitespace(text.charAt(i))) i++;
                out.add(text.substring(start, i));
                start = i;
            } else i++;
        }
        if (start < n) out.add(text.substring(start));
        return out;
    }

    /** Token ids per sentence piece. */
    static List<int[]> tokenize(Tokenizer tok, String text) {
        return tokenize(tok, text, Integer.MAX_VALUE);
    }

    /** Token ids per sentence piece, the leading pieces only: encoding stops once they hold {@code max} tokens. */
    static List<int[]> tokenize(Tokenizer tok, String text, int max) {
        List<int[]> out = new ArrayList<>();
        long used = 0;
        for (String s : split(text)) {
            if (used >= max) break;
            int[] ids = tok.encode(s);
            if (ids.length > 0) out.add(ids);
            used += ids.length;
        }
        return out;
    }
}
