package dev.kiln.objective.contrastive;

import java.util.ArrayList;
import java.util.List;

/** Sentences of a plain-text document for unsupervised mode: split after '.', '!' or '?' + whitespace, and at newlines. */
final class Sentences {
    private Sentences() {}

    static List<String> split(String text, int minChars) {
        List<String> out = new ArrayList<>();
        int start = 0, n = text.length();
        for (int i = 0; i < n; i++) {
            char ch = text.charAt(i);
            boolean end = ch == '\n' || ((ch == '.' || ch == '!' || ch == '?') && (i + 1 == n || Character.isWhitespace(text.charAt(i + 1))));
            if (end) {
                add(out, text.substring(start, i + 1), minChars);
                start = i + 1;
            }
        }
        add(out, text.substring(Math.min(start, n)), minChars);
        return out;
    }

    private static void add(List<String> out, String s, int minChars) {
        String t = s.strip();
        if (!t.isEmpty() && t.length() >= minChars) out.add(t);
    }
}
