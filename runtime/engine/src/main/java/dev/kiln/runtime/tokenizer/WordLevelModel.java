package dev.kiln.runtime.tokenizer;

import java.util.Map;

/** Hugging Face's WordLevel model: each piece is one vocabulary token, or the unk token. */
final class WordLevelModel implements TokenModel {
    private final Map<String, Integer> vocab;
    private final String[] tokens;
    private final Integer unk;
    private final String unkToken;

    WordLevelModel(Map<String, Integer> vocab, String unkToken) {
        this.vocab = vocab;
        this.tokens = TokenModel.byId(vocab);
        this.unkToken = unkToken;
        this.unk = unkToken == null ? null : vocab.get(unkToken);
    }

    static WordLevelModel fromJson(JsonAt j) {
        return new WordLevelModel(HfJson.vocab(j.raw("vocab"), j.file(), "model.vocab"), j.string("unk_token", "<unk>"));
    }

    @Override
    public void tokenize(String piece, IntList out) {
        Integer id = vocab.get(piece);
        if (id == null) id = unk;
        if (id == null) throw new IllegalArgumentException("WordLevel: '" + piece + "' is not in the vocabulary and unk token '"
                + unkToken + "' is missing");
        out.add(id);
    }

    @Override
    public Map<String, Integer> vocab() { return vocab; }

    @Override
    public String token(int id) { return id >= 0 && id < tokens.length ? tokens[id] : null; }

    @Override
    public int size() { return tokens.length; }
}
