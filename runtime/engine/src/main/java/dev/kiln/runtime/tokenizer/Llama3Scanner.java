package dev.kiln.runtime.tokenizer;

/**
 * The Split regex of Llama 3 and (with single digits) Qwen2 / Qwen3, hand-compiled:
 * {@code (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+}.
 * At each position the alternatives are tried in order as a backtracking engine does; the
 * classes are those of {@link GptPreTokenizer}. Used when a Split pre-tokenizer's regex is one
 * of these two exactly (Isolated, not inverted); the regex itself gives the same pieces.
 */
final class Llama3Scanner implements PreTokenizer {
    static final String LLAMA3 = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*"
            + "|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    static final String QWEN2 = LLAMA3.replace("\\p{N}{1,3}", "\\p{N}");

    private static final int LETTER = GptPreTokenizer.LETTER, NUMBER = GptPreTokenizer.NUMBER, SPACE = GptPreTokenizer.SPACE;

    private final int maxDigits;

    private Llama3Scanner(int maxDigits) {
        this.maxDigits = maxDigits;
    }

    /** The scanner for a Split pattern, or null when the regex is neither. */
    static Llama3Scanner forRegex(String regex) {
        if (LLAMA3.equals(regex)) return new Llama3Scanner(3);
        if (QWEN2.equals(regex)) return new Llama3Scanner(1);
        return null;
    }

    @Override
    public void split(String s, boolean atStart, Sink out) {
        int n = s.length();
        for (int i = 0; i < n; ) {
            int end = pieceEnd(s, i, n);
            out.piece(i == 0 && end == n ? s : s.substring(i, end), atStart && i == 0);
            i = end;
        }
    }

    private static int cls(String s, int i) {
        return GptPreTokenizer.classOf(s.codePointAt(i));
    }

    private static int next(String s, int i) {
        return i + Character.charCount(s.codePointAt(i));
    }

    private static boolean newline(char c) {
        return c == '\r' || c == '\n';
    }

    int pieceEnd(String s, int i, int n) {
        char c = s.charAt(i);
        if (c == '\'' && i + 1 < n) {
            int k = contraction(s, i + 1, n);
            if (k > 0) return i + 1 + k;
        }
        int cl = cls(s, i);
        int after = next(s, i);
        if (cl == LETTER) return run(s, after, n, LETTER);
        if (cl != NUMBER && !newline(c) && after < n && cls(s, after) == LETTER) return run(s, next(s, after), n, LETTER);
        if (cl == NUMBER) {
            int j = after;
            for (int k = 1; k < maxDigits && j < n && cls(s, j) == NUMBER; k++) j = next(s, j);
            return j;
        }
        if (c == ' ' && after < n && cls(s, after) != SPACE && cls(s, after) != LETTER && cls(s, after) != NUMBER)
            return newlines(s, run(s, after, n, GptPreTokenizer.OTHER), n);
        if (cl == GptPreTokenizer.OTHER) return newlines(s, run(s, after, n, GptPreTokenizer.OTHER), n);
        int j = run(s, after, n, SPACE);                   // whitespace
        for (int k = j - 1; k >= i; k--) if (newline(s.charAt(k))) return k + 1;
        if (j == n || j - 1 == i) return j;
        return j - 1;                                        // \s+(?!\S): leave the last space for the next piece
    }

    private static int newlines(String s, int i, int n) {
        while (i < n && newline(s.charAt(i))) i++;
        return i;
    }

    /** Length of s t re ve m ll d (any case) after the apostrophe at {@code i - 1}, or 0. */
    private static int contraction(String s, int i, int n) {
        char a = Character.toLowerCase(s.charAt(i));
        if (a == 's' || a == 't' || a == 'm' || a == 'd' || a == '\u017F') return 1;
        if (i + 1 < n) {
            char b = Character.toLowerCase(s.charAt(i + 1));
            if ((a == 'r' || a == 'v') && b == 'e') return 2;
            if (a == 'l' && b == 'l') return 2;
        }
        return 0;
    }

    private static int run(String s, int i, int n, int cl) {
        while (i < n && cls(s, i) == cl) i = next(s, i);
        return i;
    }
}
