package dev.kiln.runtime.tokenizer;

import dev.kiln.api.tokenizer.SpecialTokenText;
import dev.kiln.api.tokenizer.Tokenizer;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * BERT's WordPiece: the basic tokenizer splits text into words, and each word becomes the longest
 * vocabulary prefix, then the longest {@code ##}-prefixed continuation, and so on; a word that
 * cannot be covered, or longer than {@code maxInputCharsPerWord} code points, is one unk token.
 * Decoding joins words with spaces, glues {@code ##} pieces, and (like Hugging Face's WordPiece
 * decoder with {@code cleanup}) removes spaces before punctuation. Thread-safe.
 */
public final class WordPieceTokenizer implements Tokenizer, SpecialTokenSplitting {
    public static final String TYPE = "wordpiece";

    private final String[] tokens;
    private final Map<String, Integer> vocab;
    private final BertBasicTokenizer basic;
    private final String prefix;
    private final int maxChars, unk;
    private final List<AddedToken> added;
    private final Map<String, Integer> specials;
    private final Map<String, Object> json;        // tokenizer.json's pipeline sections, written back as read
    private final boolean splitSpecialTokens;
    private final SpecialTokenText specialText;

    WordPieceTokenizer(String[] tokens, Map<String, Integer> vocab, BertBasicTokenizer basic, String unkToken, String prefix,
                       int maxChars, List<AddedToken> added, Map<String, Object> json) {
        this.tokens = tokens;
        this.vocab = vocab;
        this.basic = basic;
        this.prefix = prefix;
        this.maxChars = maxChars;
        this.unk = vocab.get(unkToken);
        this.added = List.copyOf(added);
        Map<String, Integer> sp = new LinkedHashMap<>();
        for (AddedToken t : added) if (t.special()) sp.put(t.content(), t.id());
        this.specials = Collections.unmodifiableMap(sp);
        this.json = json;
        this.splitSpecialTokens = false;
        this.specialText = SpecialTokenSplitting.over(this, this::encodeAsText);
    }

    private WordPieceTokenizer(WordPieceTokenizer t, boolean splitSpecialTokens) {
        tokens = t.tokens; vocab = t.vocab; basic = t.basic; prefix = t.prefix; maxChars = t.maxChars; unk = t.unk;
        added = t.added; specials = t.specials; json = t.json;
        this.splitSpecialTokens = splitSpecialTokens;
        this.specialText = SpecialTokenSplitting.over(this, this::encodeAsText);
    }

    @Override
    public boolean splitsSpecialTokens() { return splitSpecialTokens; }

    @Override
    public WordPieceTokenizer withSplitSpecialTokens(boolean split) {
        return split == splitSpecialTokens ? this : new WordPieceTokenizer(this, split);
    }

    @Override
    public String name() { return TYPE; }

    @Override
    public int vocabSize() { return tokens.length; }

    @Override
    public Map<String, Integer> specialTokens() { return specials; }

    String[] tokens() { return tokens; }

    BertBasicTokenizer basic() { return basic; }

    String unkToken() { return tokens[unk]; }

    String prefix() { return prefix; }

    int maxInputCharsPerWord() { return maxChars; }

    List<AddedToken> addedTokens() { return added; }

    Map<String, Object> json() { return json; }

    /** Special-token strings ({@code [CLS]}, {@code [SEP]}, ...) are their ids, unless this tokenizer splits them. */
    @Override
    public int[] encode(String text) {
        return splitSpecialTokens ? encodeAsText(text) : specialText.encode(text);
    }

    private int[] encodeAsText(String text) {
        IntList out = new IntList(text.length() / 4 + 4);
        for (String word : basic.split(text)) wordPiece(word, out);
        return out.toArray();
    }

    private void wordPiece(String word, IntList out) {
        int chars = word.codePointCount(0, word.length());
        if (chars > maxChars) { out.add(unk); return; }
        IntList pieces = new IntList(4);
        int start = 0;
        while (start < word.length()) {
            int end = word.length();
            Integer found = null;
            while (end > start) {
                String sub = word.substring(start, end);
                found = vocab.get(start > 0 ? prefix + sub : sub);
                if (found != null) break;
                end = Character.offsetByCodePoints(word, end, -1);
            }
            if (found == null) { out.add(unk); return; }
            pieces.add(found);
            start = end;
        }
        out.addAll(pieces.toArray());
    }

    @Override
    public String decode(int[] ids, boolean skipSpecial) {
        StringBuilder b = new StringBuilder(ids.length * 5);
        for (int i = 0; i < ids.length; i++) {
            int id = ids[i];
            if (id < 0 || id >= tokens.length || tokens[id] == null)
                throw new IllegalArgumentException("wordpiece: id " + id + " at position " + i + " is not in the vocabulary (size " + tokens.length + ")");
            String t = tokens[id];
            if (skipSpecial && specials.containsKey(t) && specials.get(t) == id) continue;
            if (t.startsWith(prefix) && b.length() > 0) b.append(t, prefix.length(), t.length());
            else {
                if (b.length() > 0) b.append(' ');
                b.append(t);
            }
        }
        return cleanup(b.toString());
    }

    /** Hugging Face's WordPiece decoder cleanup: no space before . ? ! , and English contractions. */
    static String cleanup(String s) {
        return s.replace(" .", ".").replace(" ?", "?").replace(" !", "!").replace(" ,", ",").replace(" ' ", "'")
                .replace(" n't", "n't").replace(" 'm", "'m").replace(" do not", " don't").replace(" 's", "'s")
                .replace(" 've", "'ve").replace(" 're", "'re");
    }

    @Override
    public String toString() {
        return "WordPieceTokenizer(vocab=" + tokens.length + ", lowercase=" + basic.lowercase() + ", specials=" + specials.keySet() + ")";
    }
}
