package dev.kiln.runtime.tokenizer;

import java.util.Arrays;
import java.util.function.IntPredicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a split does with the matches of its pattern, as Hugging Face's
 * {@code SplitDelimiterBehavior}: Removed drops them, Isolated keeps them as pieces of their own,
 * MergedWithPrevious / MergedWithNext glue each match to the piece before / after it (a match
 * right after another match stays alone), Contiguous joins adjacent matches into one piece.
 * Empty pieces are dropped. {@link Spans} holds a string's cover by match / non-match spans.
 */
enum SplitBehavior {
    REMOVED, ISOLATED, MERGED_WITH_PREVIOUS, MERGED_WITH_NEXT, CONTIGUOUS;

    static SplitBehavior fromJson(JsonAt j, String name, SplitBehavior dflt) {
        String s = j.string(name, null);
        if (s == null) return dflt;
        return switch (s) {
            case "Removed" -> REMOVED;
            case "Isolated" -> ISOLATED;
            case "MergedWithPrevious" -> MERGED_WITH_PREVIOUS;
            case "MergedWithNext" -> MERGED_WITH_NEXT;
            case "Contiguous" -> CONTIGUOUS;
            default -> throw j.error(name, "is '" + s + "' (expected Removed, Isolated, MergedWithPrevious, MergedWithNext or Contiguous)");
        };
    }

    /** Contiguous spans [bound[i], bound[i+1]) covering a string, each a match or not. */
    static final class Spans {
        int[] bound = new int[17];
        boolean[] match = new boolean[16];
        int count;

        void add(int end, boolean isMatch) {
            if (count == match.length) {
                match = Arrays.copyOf(match, match.length * 2);
                bound = Arrays.copyOf(bound, match.length + 1);
            }
            match[count++] = isMatch;
            bound[count] = end;
        }

        /** The spans of a regex's matches, as Hugging Face's onig pattern reports them (empty matches included). */
        static Spans ofRegex(String s, Pattern p) {
            Spans sp = new Spans();
            if (s.isEmpty()) return sp;
            Matcher m = p.matcher(s);
            int prev = 0;
            while (m.find()) {
                if (m.start() != prev) sp.add(m.start(), false);
                sp.add(m.end(), true);
                prev = m.end();
            }
            if (prev != s.length()) sp.add(s.length(), false);
            return sp;
        }

        /** Every code point that satisfies {@code matches} is a match span of its own. */
        static Spans ofChars(String s, IntPredicate matches) {
            Spans sp = new Spans();
            int last = 0;
            for (int i = 0; i < s.length(); ) {
                int cp = s.codePointAt(i);
                int next = i + Character.charCount(cp);
                if (matches.test(cp)) {
                    if (last < i) sp.add(i, false);
                    sp.add(next, true);
                    last = next;
                }
                i = next;
            }
            if (last < s.length()) sp.add(s.length(), false);
            return sp;
        }

        void invert() {
            for (int i = 0; i < count; i++) match[i] = !match[i];
        }
    }

    /** Emits the pieces of {@code s} its spans give under this behavior; the first inherits {@code atStart} when it starts at 0. */
    void emit(String s, Spans sp, boolean atStart, PreTokenizer.Sink out) {
        int n = sp.count;
        int[] b = sp.bound;
        boolean[] m = sp.match;
        switch (this) {
            case REMOVED -> {
                for (int i = 0; i < n; i++) if (!m[i]) piece(s, b[i], b[i + 1], atStart, out);
            }
            case ISOLATED -> {
                for (int i = 0; i < n; i++) piece(s, b[i], b[i + 1], atStart, out);
            }
            case MERGED_WITH_PREVIOUS -> {
                int start = -1, end = -1;
                boolean prevMatch = false;
                for (int i = 0; i < n; i++) {
                    if (m[i] && !prevMatch && start >= 0) {
                        end = b[i + 1];
                    } else {
                        if (start >= 0) piece(s, start, end, atStart, out);
                        start = b[i];
                        end = b[i + 1];
                    }
                    prevMatch = m[i];
                }
                if (start >= 0) piece(s, start, end, atStart, out);
            }
            case MERGED_WITH_NEXT -> {
                int[] starts = new int[n], ends = new int[n];
                int k = 0;
                boolean prevMatch = false;
                for (int i = n - 1; i >= 0; i--) {
                    if (m[i] && !prevMatch && k > 0) {
                        starts[k - 1] = b[i];
                    } else {
                        starts[k] = b[i];
                        ends[k++] = b[i + 1];
                    }
                    prevMatch = m[i];
                }
                for (int i = k - 1; i >= 0; i--) piece(s, starts[i], ends[i], atStart, out);
            }
            case CONTIGUOUS -> {
                int start = -1, end = -1;
                boolean prevMatch = false;
                for (int i = 0; i < n; i++) {
                    if (m[i] == prevMatch && start >= 0) {
                        end = b[i + 1];
                    } else {
                        if (start >= 0) piece(s, start, end, atStart, out);
                        start = b[i];
                        end = b[i + 1];
                    }
                    prevMatch = m[i];
                }
                if (start >= 0) piece(s, start, end, atStart, out);
            }
        }
    }

    private static void piece(String s, int start, int end, boolean atStart, PreTokenizer.Sink out) {
        if (end > start) out.piece(start == 0 && end == s.length() ? s : s.substring(start, end), atStart && start == 0);
    }
}
