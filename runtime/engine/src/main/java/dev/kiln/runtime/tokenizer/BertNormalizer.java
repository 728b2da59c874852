package dev.kiln.runtime.tokenizer;

/**
 * Hugging Face's BertNormalizer, step by step as it runs: clean_text drops NUL, U+FFFD and
 * control characters (Cc, Cf, Cn, Co; not tab / newline / return) and turns every other
 * whitespace character (U+2028, U+2029 and no-break spaces included) into a space;
 * handle_chinese_chars puts spaces around CJK ideographs; strip_accents removes Mn marks after
 * NFD; lowercase maps each character on its own (a final Σ becomes σ).
 */
record BertNormalizer(boolean cleanText, boolean handleChineseChars, boolean stripAccents, boolean lowercase)
        implements TextNormalizer {

    @Override
    public String normalize(String s) {
        if (cleanText || handleChineseChars) {
            StringBuilder b = new StringBuilder(s.length() + 8);
            for (int i = 0; i < s.length(); ) {
                int cp = s.codePointAt(i);
                i += Character.charCount(cp);
                if (cleanText) {
                    if (cp == 0 || cp == 0xFFFD || HfChars.isControl(cp)) continue;
                    if (HfChars.isWhitespace(cp)) { b.append(' '); continue; }
                }
                if (handleChineseChars && HfChars.isChinese(cp)) b.append(' ').appendCodePoint(cp).append(' ');
                else b.appendCodePoint(cp);
            }
            s = b.toString();
        }
        if (stripAccents) s = TextNormalizer.stripNonSpacingMarks(s);
        if (lowercase) s = HfChars.lowercase(s);
        return s;
    }
}
