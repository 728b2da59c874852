package dev.kiln.runtime.tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * Finds tokenizer.json's {@code added_tokens} in text, as Hugging Face's AddedVocabulary does:
 * leftmost-longest matches, scanning on after each match; a {@code single_word} token only
 * where no word character ({@code \w}) touches it; {@code lstrip} / {@code rstrip} take the
 * whitespace before / after into the token. One instance matches either the tokens with
 * {@code normalized: false} (in the raw text) or those with {@code normalized: true} (in
 * normalized text, by their normalized content). With {@code skipSpecial} special tokens are
 * passed over (as {@code split_special_tokens}), so their text is encoded as ordinary text.
 */
final class AddedVocabulary {
    /** Receives the text between tokens ({@code id < 0}) and the tokens, in order. */
    interface Sink {
        void part(String text, int start, int end, int id);
    }

    private record Entry(String content, AddedToken token) {}

    private final List<Entry>[] byFirstChar;   // candidates by their first char, longest first
    private final boolean empty;

    @SuppressWarnings("unchecked")
    AddedVocabulary(List<AddedToken> tokens, boolean normalized, TextNormalizer normalizer) {
        byFirstChar = new List[65536];
        boolean none = true;
        for (AddedToken t : tokens) {
            if (t.normalized() != normalized) continue;
            String content = normalized && normalizer != null ? normalizer.normalize(t.content()) : t.content();
            if (content.isEmpty()) continue;
            char c = content.charAt(0);
            if (byFirstChar[c] == null) byFirstChar[c] = new ArrayList<>(2);
            byFirstChar[c].add(new Entry(content, t));
            none = false;
        }
        for (List<Entry> l : byFirstChar) if (l != null) l.sort((a, b) -> Integer.compare(b.content.length(), a.content.length()));
        empty = none;
    }

    boolean isEmpty() { return empty; }

    /** Splits {@code s} into text and added tokens; text parts may be empty only when {@code s} holds no token. */
    void split(String s, boolean skipSpecial, Sink out) {
        if (empty) {
            out.part(s, 0, s.length(), -1);
            return;
        }
        int n = s.length(), done = 0, i = 0;
        while (i < n) {
            List<Entry> candidates = byFirstChar[s.charAt(i)];
            Entry hit = null;
            if (candidates != null)
                for (Entry e : candidates) if (s.startsWith(e.content, i)) { hit = e; break; }
            if (hit == null) { i++; continue; }
            int start = i, stop = i + hit.content.length();
            i = stop;                                              // the scan goes on after this match, kept or not
            AddedToken t = hit.token;
            if (skipSpecial && t.special()) continue;
            if (t.singleWord() && ((start > 0 && HfChars.isWord(s.codePointBefore(start)))
                    || (stop < n && HfChars.isWord(s.codePointAt(stop))))) continue;
            if (t.lstrip()) {
                int k = start;
                while (k > done && HfChars.isWhitespace(s.codePointBefore(k))) k -= Character.charCount(s.codePointBefore(k));
                start = k;
            }
            if (t.rstrip()) {
                while (stop < n && HfChars.isWhitespace(s.codePointAt(stop))) stop += Character.charCount(s.codePointAt(stop));
                i = stop;
            }
            if (start > done) out.part(s, done, start, -1);
            out.part(s, start, stop, t.id());
            done = stop;
        }
        if (done < n || done == 0) out.part(s, done, n, -1);
    }
}
