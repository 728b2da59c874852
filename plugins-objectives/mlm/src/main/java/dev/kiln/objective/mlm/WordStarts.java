package dev.kiln.objective.mlm;

import dev.kiln.api.tokenizer.Tokenizer;

import java.util.HashMap;
import java.util.Map;

/**
 * Where words begin, for whole-word masking, from the tokenizer alone (the API has no word-piece
 * marker). A word is a maximal run of non-whitespace text, as Python's {@code str.split()} sees
 * it, so "dog." is one word. For a maskable token after a maskable token {@code prev}:
 * <ul>
 *   <li>a token whose text is all whitespace is a unit of its own (a word of one piece), and so is
 *       the token after it;</li>
 *   <li>otherwise the pair is decoded together: when {@code decode([prev, id])} extends
 *       {@code decode([prev])}, the token starts a word iff the text it adds begins with whitespace
 *       or prev's text ends with it. This covers GPT-2 style "Ġword" pieces and WordPiece, whose
 *       decoder puts a space before a word but glues "##" pieces;</li>
 *   <li>when it does not (a byte that completes a UTF-8 character), the token continues the word.</li>
 * </ul>
 * The first token of a run of maskable tokens (after [CLS], [SEP], ...) always starts a word.
 * For the byte tokenizer this means: a word starts at a non-whitespace byte that follows a
 * whitespace byte (space, tab, newline, ...) or a special token; every later byte up to the next
 * whitespace byte (letters, punctuation, UTF-8 continuation bytes) belongs to the same word.
 * Single-token flags are cached per id and pair decisions per (prev, id).
 */
final class WordStarts {
    private static final byte UNKNOWN = 0, ALL_SPACE = 1, TRAILING = 4, DECODED = 8;
    private final Tokenizer tokenizer;
    private final byte[] flags;
    private final Map<Long, Boolean> pairs = new HashMap<>();

    WordStarts(Tokenizer tokenizer) {
        this.tokenizer = tokenizer;
        this.flags = new byte[tokenizer.vocabSize()];
    }

    /**
     * Unit boundaries over a row: {@code groupOf[i]} = the index of the unit position i belongs to,
     * or −1 for positions that cannot be masked. Returns the number of units.
     */
    int group(int[] row, boolean[] maskable, int[] groupOf) {
        int units = -1;
        for (int i = 0; i < row.length; i++) {
            if (!maskable[i]) {
                groupOf[i] = -1;
                continue;
            }
            boolean start = i == 0 || !maskable[i - 1] || startsWord(row[i - 1], row[i]);
            if (start) units++;
            groupOf[i] = units;
        }
        return units + 1;
    }

    /** Whether {@code id} starts a new unit after the maskable token {@code prev}. */
    boolean startsWord(int prev, int id) {
        int p = flags(prev), f = flags(id);
        if ((f & ALL_SPACE) != 0 || (p & (ALL_SPACE | TRAILING)) != 0) return true;
        long key = ((long) prev << 32) | (id & 0xffffffffL);
        Boolean known = pairs.get(key);
        if (known != null) return known;
        String one = tokenizer.decode(new int[] {prev}, false), two = tokenizer.decode(new int[] {prev, id}, false);
        boolean start = two.length() > one.length() && two.startsWith(one) && Character.isWhitespace(two.charAt(one.length()));
        if (pairs.size() > 1 << 20) pairs.clear();
        pairs.put(key, start);
        return start;
    }

    private int flags(int id) {
        if (id < 0 || id >= flags.length) return DECODED;
        byte f = flags[id];
        if (f != UNKNOWN) return f;
        String s = tokenizer.decode(new int[] {id}, false);
        int out = DECODED;
        if (!s.isEmpty()) {
            boolean all = true;
            for (int i = 0; i < s.length(); i++) all &= Character.isWhitespace(s.charAt(i));
            if (all) out |= ALL_SPACE;
            if (Character.isWhitespace(s.charAt(s.length() - 1))) out |= TRAILING;
        }
        flags[id] = (byte) out;
        return out;
    }
}
