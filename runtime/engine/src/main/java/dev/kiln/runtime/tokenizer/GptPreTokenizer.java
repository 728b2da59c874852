package dev.kiln.runtime.tokenizer;

/**
 * GPT-2's pre-tokenization regex, hand-compiled:
 * {@code 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+}.
 * It scans code points with a lookup table for ASCII, and matches the regex exactly as Python's
 * {@code regex} module and Hugging Face tokenizers (Oniguruma) run it: {@code \p{L}} is the
 * general categories L*, {@code \p{N}} is N*, {@code \s} is Unicode White_Space (U+0009–U+000D,
 * U+0020, U+0085, U+00A0, U+1680, U+2000–U+200A, U+2028, U+2029, U+202F, U+205F, U+3000).
 * Stateless and thread-safe.
 */
final class GptPreTokenizer {
    /** Receives the pieces in order as [start, end) char ranges of the text. */
    interface Sink {
        void piece(int start, int end);
    }

    static final int LETTER = 1, NUMBER = 2, SPACE = 3, OTHER = 4;
    private static final byte[] ASCII = new byte[128];

    static {
        for (int c = 0; c < 128; c++) ASCII[c] = (byte) classifySlow(c);
    }

    private GptPreTokenizer() {}

    /** LETTER, NUMBER, SPACE or OTHER for a code point. */
    static int classOf(int cp) {
        return cp < 128 ? ASCII[cp] : classifySlow(cp);
    }

    private static int classifySlow(int cp) {
        if (isWhiteSpace(cp)) return SPACE;
        switch (Character.getType(cp)) {
            case Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER, Character.TITLECASE_LETTER,
                    Character.MODIFIER_LETTER, Character.OTHER_LETTER:
                return LETTER;
            case Character.DECIMAL_DIGIT_NUMBER, Character.LETTER_NUMBER, Character.OTHER_NUMBER:
                return NUMBER;
            default:
                return OTHER;
        }
    }

    /** Unicode's White_Space property. */
    static boolean isWhiteSpace(int cp) {
        return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680
                || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F
                || cp == 0x205F || cp == 0x3000;
    }

    /** Splits {@code text} into pieces, passing each to {@code sink}. */
    static void split(String text, Sink sink) {
        int n = text.length();
        int i = 0;
        while (i < n) {
            int end = pieceEnd(text, i, n);
            sink.piece(i, end);
            i = end;
        }
    }

    /** The end of the piece that starts at {@code i}. */
    static int pieceEnd(String s, int i, int n) {
        char c = s.charAt(i);
        if (c == '\'' && i + 1 < n) {
            int k = contraction(s, i + 1, n);
            if (k > 0) return i + 1 + k;
        }
        int cls = classAt(s, i);
        if (c == ' ' && i + 1 < n) {
            int next = classAt(s, i + 1);
            if (next != SPACE) return runEnd(s, i + 1, n, next);
        }
        if (cls != SPACE) return runEnd(s, i, n, cls);
        // whitespace: \s+(?!\S) takes the run but leaves its last character before a non-space
        int j = runEnd(s, i, n, SPACE);
        if (j == n) return j;
        int last = Character.offsetByCodePoints(s, j, -1);
        return last > i ? last : j;
    }

    /** Length of 's 't 're 've 'm 'll 'd after the apostrophe at {@code i - 1}, or 0. */
    private static int contraction(String s, int i, int n) {
        char a = s.charAt(i);
        if (a == 's' || a == 't' || a == 'm' || a == 'd') return 1;
        if (i + 1 < n) {
            char b = s.charAt(i + 1);
            if ((a == 'r' || a == 'v') && b == 'e') return 2;
            if (a == 'l' && b == 'l') return 2;
        }
        return 0;
    }

    private static int classAt(String s, int i) {
        char c = s.charAt(i);
        if (c < 128) return ASCII[c];
        return classifySlow(Character.codePointAt(s, i));
    }

    /** The end of the run of class {@code cls} code points starting at {@code i}. */
    private static int runEnd(String s, int i, int n, int cls) {
        while (i < n) {
            char c = s.charAt(i);
            if (c < 128) {
                if (ASCII[c] != cls) return i;
                i++;
            } else {
                int cp = Character.codePointAt(s, i);
                if (classifySlow(cp) != cls) return i;
                i += Character.charCount(cp);
            }
        }
        return n;
    }
}
