package dev.kiln.objective.dae;

import dev.kiln.api.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Sentence pieces of a document that is already tokenized (a prepared corpus), by the rule of
 * {@link Sentences} applied to the tokens' text, keeping the corpus's ids as they are (no
 * re-encoding, which would not round-trip [UNK] or special tokens). Token k's text is what it adds
 * after token k − 1: decode([k − 1, k]) less decode([k − 1]), so a decoder that puts spaces
 * between tokens (WordPiece) shows them; decode([k]) where that is not a prefix (a UTF-8
 * character split between byte tokens). The pieces of the concatenated text are found as
 * {@link Sentences#split} finds them, and a boundary that falls inside a token moves to that
 * token's start, so tokens are never cut (GPT-2's " How" after "world." starts the next piece).
 * When no token straddles a boundary and decoding is exact (byte tokens) the pieces are those of
 * tokenizing each text piece; a decoder that drops newlines (WordPiece) splits at . ! ? only.
 */
final class TokenSentences {
    private final Tokenizer tok;
    private final String[] texts;        // [vocab] decoded token text, filled on demand (a benign race between threads)

    TokenSentences(Tokenizer tok) {
        this.tok = tok;
        this.texts = new String[tok.vocabSize()];
    }

    /** Token ids per sentence piece; their concatenation is {@code ids}. */
    List<int[]> split(int[] ids) {
        int m = ids.length;
        int[] start = new int[m + 1];                  // [m + 1] character offset of each token in the text
        StringBuilder text = new StringBuilder();
        for (int k = 0; k < m; k++) {
            start[k] = text.length();
            text.append(k == 0 ? text(ids[0]) : textAfter(ids[k - 1], ids[k]));
        }
        start[m] = text.length();
        List<int[]> out = new ArrayList<>();
        int from = 0, token = 0, end = 0;
        for (String piece : Sentences.split(text.toString())) {
            end += piece.length();
            while (token < m && start[token + 1] <= end) token++;        // the first token ending after the boundary starts the next piece
            if (token > from) {
                out.add(Arrays.copyOfRange(ids, from, token));
                from = token;
            }
        }
        if (from < m) out.add(Arrays.copyOfRange(ids, from, m));
        return out;
    }

    /** What token {@code id} adds to the text after token {@code prev}. */
    private String textAfter(int prev, int id) {
        String before = text(prev), pair = tok.decode(new int[] {prev, id});
        return pair.startsWith(before) ? pair.substring(before.length()) : text(id);
    }

    private String text(int id) {
        if (id < 0 || id >= texts.length) return tok.decode(new int[] {id});
        String s = texts[id];
        if (s == null) texts[id] = s = tok.decode(new int[] {id});
        return s;
    }
}
