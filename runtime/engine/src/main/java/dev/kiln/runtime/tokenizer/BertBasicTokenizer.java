package dev.kiln.runtime.tokenizer;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * BERT's basic tokenizer (Hugging Face's BertNormalizer + BertPreTokenizer): drops NUL, U+FFFD
 * and control characters and turns whitespace into spaces ({@code cleanText}), puts spaces
 * around CJK ideographs, optionally lower-cases and strips accents (NFD, then drop combining
 * marks), then splits on whitespace and makes every punctuation character its own word.
 */
record BertBasicTokenizer(boolean cleanText, boolean handleChineseChars, boolean lowercase, boolean stripAccents) {

    /** Words of {@code text}, in order. */
    List<String> split(String text) {
        StringBuilder b = new StringBuilder(text.length() + 16);
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            i += Character.charCount(cp);
            if (cleanText) {
                if (cp == 0 || cp == 0xFFFD || isControl(cp)) continue;
                if (isWhitespace(cp)) { b.append(' '); continue; }
            }
            if (handleChineseChars && isCjk(cp)) b.append(' ').appendCodePoint(cp).append(' ');
            else b.appendCodePoint(cp);
        }
        String s = b.toString();
        if (stripAccents) s = stripAccents(s);
        if (lowercase) s = s.toLowerCase(Locale.ROOT);
        List<String> out = new ArrayList<>();
        int start = -1;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            int n = Character.charCount(cp);
            if (isWhitespace(cp) || isPunctuation(cp)) {
                if (start >= 0) out.add(s.substring(start, i));
                start = -1;
                if (!isWhitespace(cp)) out.add(s.substring(i, i + n));
            } else if (start < 0) {
                start = i;
            }
            i += n;
        }
        if (start >= 0) out.add(s.substring(start));
        return out;
    }

    static String stripAccents(String s) {
        String d = Normalizer.normalize(s, Normalizer.Form.NFD);
        StringBuilder b = new StringBuilder(d.length());
        for (int i = 0; i < d.length(); ) {
            int cp = d.codePointAt(i);
            if (Character.getType(cp) != Character.NON_SPACING_MARK) b.appendCodePoint(cp);
            i += Character.charCount(cp);
        }
        return b.toString();
    }

    static boolean isWhitespace(int cp) {
        return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || Character.getType(cp) == Character.SPACE_SEPARATOR;
    }

    static boolean isControl(int cp) {
        if (cp == '\t' || cp == '\n' || cp == '\r') return false;
        int t = Character.getType(cp);
        return t == Character.CONTROL || t == Character.FORMAT || t == Character.UNASSIGNED
                || t == Character.PRIVATE_USE || t == Character.SURROGATE;
    }

    static boolean isPunctuation(int cp) {
        if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126)) return true;
        return switch (Character.getType(cp)) {
            case Character.CONNECTOR_PUNCTUATION, Character.DASH_PUNCTUATION, Character.START_PUNCTUATION,
                    Character.END_PUNCTUATION, Character.INITIAL_QUOTE_PUNCTUATION, Character.FINAL_QUOTE_PUNCTUATION,
                    Character.OTHER_PUNCTUATION -> true;
            default -> false;
        };
    }

    /** The CJK Unified Ideographs blocks BERT singles out (not Hangul, Hiragana or Katakana). */
    static boolean isCjk(int cp) {
        return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x20000 && cp <= 0x2A6DF)
                || (cp >= 0x2A700 && cp <= 0x2B73F) || (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B820 && cp <= 0x2CEAF)
                || (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
    }
}
