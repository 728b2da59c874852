package dev.kiln.runtime.tokenizer;

import java.util.Map;

/**
 * Hugging Face's WordPiece model: a piece longer than {@code max_input_chars_per_word} code
 * points is the unk token; otherwise the longest vocabulary prefix, then the longest
 * prefix-marked ({@code ##}) continuation, and so on; a piece that cannot be covered is one unk.
 */
final class WordPieceModel implements TokenModel {
    private final Map<String, Integer> vocab;
    private final String[] tokens;
    private final String prefix;
    private final int maxChars, unk;

    WordPieceModel(Map<String, Integer> vocab, String unkToken, String prefix, int maxChars, String file) {
        this.vocab = vocab;
        this.tokens = TokenModel.byId(vocab);
        this.prefix = prefix;
        this.maxChars = maxChars;
        Integer u = vocab.get(unkToken);
        if (u == null) throw HfJson.error(file, "model.unk_token", "'" + unkToken + "' is not in model.vocab");
        this.unk = u;
    }

    static WordPieceModel fromJson(JsonAt j) {
        int maxChars = j.has("max_input_chars_per_word") ? j.integer("max_input_chars_per_word") : 100;
        if (maxChars < 1) throw j.error("max_input_chars_per_word", "must be at least 1, got " + maxChars);
        return new WordPieceModel(HfJson.vocab(j.raw("vocab"), j.file(), "model.vocab"), j.string("unk_token", "[UNK]"),
                j.string("continuing_subword_prefix", "##"), maxChars, j.file());
    }

    @Override
    public void tokenize(String word, IntList out) {
        if (word.codePointCount(0, word.length()) > maxChars) { out.add(unk); return; }
        int mark = out.size();
        int start = 0;
        while (start < word.length()) {
            int end = word.length();
            Integer found = null;
            while (end > start) {
                String sub = word.substring(start, end);
                found = vocab.get(start > 0 ? prefix.concat(sub) : sub);
                if (found != null) break;
                end = Character.offsetByCodePoints(word, end, -1);
            }
            if (found == null) {
                out.truncate(mark);
                out.add(unk);
                return;
            }
            out.add(found);
            start = end;
        }
    }

    @Override
    public Map<String, Integer> vocab() { return vocab; }

    @Override
    public String token(int id) { return id >= 0 && id < tokens.length ? tokens[id] : null; }

    @Override
    public int size() { return tokens.length; }
}
