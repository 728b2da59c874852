package dev.kiln.runtime.tokenizer;

/**
 * Character predicates as Hugging Face tokenizers (Rust) defines them, by code point:
 * {@code char::is_whitespace} is Unicode White_Space (U+2028/U+2029 and U+0085 included),
 * Rust regex's {@code \w}, BERT's punctuation and control tests, and Rust's per-character
 * {@code to_lowercase} (no context: a final capital sigma becomes σ, not ς).
 */
final class HfChars {
    private HfChars() {}

    static boolean isWhitespace(int cp) {
        return GptPreTokenizer.isWhiteSpace(cp);
    }

    /** Rust regex {@code \w}: alphabetic, marks, decimal digits, connector punctuation, join controls. */
    static boolean isWord(int cp) {
        if (cp < 128) return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9') || cp == '_';
        if (Character.isAlphabetic(cp)) return true;
        return switch (Character.getType(cp)) {
            case Character.NON_SPACING_MARK, Character.ENCLOSING_MARK, Character.COMBINING_SPACING_MARK,
                    Character.DECIMAL_DIGIT_NUMBER, Character.CONNECTOR_PUNCTUATION -> true;
            default -> cp == 0x200C || cp == 0x200D;
        };
    }

    /** BERT's punctuation: ASCII punctuation or any Unicode P* category. */
    static boolean isPunctuation(int cp) {
        return BertBasicTokenizer.isPunctuation(cp);
    }

    /** BertNormalizer's CJK ideographs; its Extension E range starts at U+2B920, not Google BERT's U+2B820. */
    static boolean isChinese(int cp) {
        return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x20000 && cp <= 0x2A6DF)
                || (cp >= 0x2A700 && cp <= 0x2B73F) || (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B920 && cp <= 0x2CEAF)
                || (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
    }

    /** Rust {@code char::is_numeric}: the N* categories. */
    static boolean isNumeric(int cp) {
        if (cp < 128) return cp >= '0' && cp <= '9';
        int t = Character.getType(cp);
        return t == Character.DECIMAL_DIGIT_NUMBER || t == Character.LETTER_NUMBER || t == Character.OTHER_NUMBER;
    }

    /**
     * BertNormalizer's control test: Cc, Cf, Co (and lone surrogates), but not tab, newline, carriage
     * return. Unassigned code points are kept (checked against tokenizers 0.21: U+0378, U+D7FF stay).
     */
    static boolean isControl(int cp) {
        if (cp == '\t' || cp == '\n' || cp == '\r') return false;
        int t = Character.getType(cp);
        return t == Character.CONTROL || t == Character.FORMAT || t == Character.PRIVATE_USE || t == Character.SURROGATE;
    }

    /** Appends Rust's {@code char::to_lowercase} of one code point. */
    static void appendLowercase(StringBuilder out, int cp) {
        if (cp < 128) {
            out.append((char) (cp >= 'A' && cp <= 'Z' ? cp + 32 : cp));
        } else if (cp == 0x130) {
            out.append("i\u0307");                 // the one unconditional multi-character lowercase mapping
        } else {
            out.appendCodePoint(Character.toLowerCase(cp));
        }
    }

    static String lowercase(String s) {
        int i = 0, n = s.length();
        while (i < n) {                            // fast path: nothing to change
            char c = s.charAt(i);
            if (c >= 128 || (c >= 'A' && c <= 'Z')) break;
            i++;
        }
        if (i == n) return s;
        StringBuilder b = new StringBuilder(n + 4).append(s, 0, i);
        while (i < n) {
            int cp = s.codePointAt(i);
            appendLowercase(b, cp);
            i += Character.charCount(cp);
        }
        return b.toString();
    }
}
