package dev.kiln.runtime.tokenizer;

import java.util.function.IntPredicate;

/**
 * The pre-tokenizers that split by character classes, with Hugging Face's definitions:
 * Whitespace (runs of {@code \w} and runs of other non-space characters, as the regex
 * {@code \w+|[^\w\s]+}), WhitespaceSplit (on Unicode whitespace), BertPreTokenizer (on
 * whitespace, then every punctuation character alone), Digits (runs of digits, or each digit
 * alone), Punctuation and CharDelimiterSplit.
 */
final class CharClassSplit {
    private CharClassSplit() {}

    static final PreTokenizer WHITESPACE = CharClassSplit::wordsAndSymbols;

    static final PreTokenizer WHITESPACE_SPLIT = chars(HfChars::isWhitespace, SplitBehavior.REMOVED);

    static final PreTokenizer BERT = PreTokenizer.sequence(new PreTokenizer[] {
            WHITESPACE_SPLIT, chars(HfChars::isPunctuation, SplitBehavior.ISOLATED)});

    static final PreTokenizer DIGITS = chars(HfChars::isNumeric, SplitBehavior.CONTIGUOUS);

    static final PreTokenizer DIGITS_INDIVIDUAL = chars(HfChars::isNumeric, SplitBehavior.ISOLATED);

    static PreTokenizer punctuation(SplitBehavior behavior) {
        return chars(HfChars::isPunctuation, behavior);
    }

    static PreTokenizer delimiter(int delimiter) {
        return chars(cp -> cp == delimiter, SplitBehavior.REMOVED);
    }

    static PreTokenizer chars(IntPredicate matches, SplitBehavior behavior) {
        return (s, atStart, out) -> behavior.emit(s, SplitBehavior.Spans.ofChars(s, matches), atStart, out);
    }

    private static final int SPACE = 0, WORD = 1, SYMBOL = 2;

    private static int kind(int cp) {
        if (HfChars.isWord(cp)) return WORD;
        return HfChars.isWhitespace(cp) ? SPACE : SYMBOL;
    }

    private static void wordsAndSymbols(String s, boolean atStart, PreTokenizer.Sink out) {
        int i = 0, n = s.length();
        while (i < n) {
            int cp = s.codePointAt(i);
            int k = kind(cp);
            int j = i + Character.charCount(cp);
            while (j < n) {
                int next = s.codePointAt(j);
                if (kind(next) != k) break;
                j += Character.charCount(next);
            }
            if (k != SPACE) out.piece(s.substring(i, j), atStart && i == 0);
            i = j;
        }
    }
}
