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
        List<int[]> out = new ArrayList<>();
        for (String s : split(text)) {
            int[] ids = tok.encode(s);
            if (ids.length > 0) out.add(ids);
        }
        return out;
    }
}
