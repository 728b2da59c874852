package dev.kiln.objective.nsp;

import java.util.ArrayList;
import java.util.List;

/**
 * A simple deterministic sentence splitter. A sentence ends after a run of {@code . ! ?}
 * (plus any closing quotes or brackets {@code " ' ) ]} right after it) that is followed by
 * whitespace or the end of the text; a blank line (a paragraph break, e.g. after a title) also
 * ends one. Sentences are trimmed; empty ones are dropped. No abbreviation handling:
 * "Dr. Who" is two sentences.
 */
public final class SentenceSplitter {
    private SentenceSplitter() {}

    public static List<String> split(String text) {
        List<String> out = new ArrayList<>();
        int start = 0, n = text.length(), i = 0;
        while (i < n) {
            char c = text.charAt(i);
            if (c == '.' || c == '!' || c == '?') {
                int j = i + 1;
                while (j < n && (text.charAt(j) == '.' || text.charAt(j) == '!' || text.charAt(j) == '?')) j++;
                while (j < n && isCloser(text.charAt(j))) j++;
                if (j == n || Character.isWhitespace(text.charAt(j))) {
                    add(out, text.substring(start, j));
                    start = j;
                }
                i = j;
            } else {
                if (c == '\n' && blankLineAfter(text, i)) {
                    add(out, text.substring(start, i));
                    start = i;
                }
                i++;
            }
        }
        add(out, text.substring(start));
        return out;
    }

    private static boolean isCloser(char c) {
        return c == '"' || c == '\'' || c == ')' || c == ']' || c == '\u201d' || c == '\u2019';
    }

    /** Whether the newline at {@code i} is followed by only spaces/tabs and another newline. */
    private static boolean blankLineAfter(String text, int i) {
        for (int j = i + 1; j < text.length(); j++) {
            char c = text.charAt(j);
            if (c == '\n') return true;
            if (c != ' ' && c != '\t' && c != '\r') return false;
        }
        return false;
    }

    private static void add(List<String> out, String s) {
        String t = s.strip();
        if (!t.isEmpty()) out.add(t);
    }
}
