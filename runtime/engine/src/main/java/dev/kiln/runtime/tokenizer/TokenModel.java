package dev.kiln.runtime.tokenizer;

import java.util.Map;

/**
 * A tokenizer.json {@code model}: one pre-tokenized piece → token ids. Implementations are
 * immutable and thread-safe; {@link #fromJson} reads BPE, WordPiece, Unigram and WordLevel and
 * refuses any other type by name.
 */
interface TokenModel {
    /** Appends the ids of one non-empty piece. */
    void tokenize(String piece, IntList out);

    /** The vocabulary: token → id. */
    Map<String, Integer> vocab();

    /** The token of an id, or null. */
    String token(int id);

    /** One more than the largest id. */
    int size();

    String SUPPORTED = "BPE, WordPiece, Unigram, WordLevel";

    static TokenModel fromJson(Object json, String file) {
        JsonAt j = JsonAt.of(json, file, "model");
        String type = j.has("type") ? j.type() : HfJson.modelType(Map.of("model", j.map()), file);
        return switch (type) {
            case "BPE" -> BpeMergeModel.fromJson(j);
            case "WordPiece" -> WordPieceModel.fromJson(j);
            case "Unigram" -> UnigramModel.fromJson(j);
            case "WordLevel" -> WordLevelModel.fromJson(j);
            default -> throw new dev.kiln.api.config.ConfigException(file + ": key 'model.type': model type '" + type
                    + "' is not supported (supported: " + SUPPORTED + ")");
        };
    }

    /** Tokens by id for a vocabulary whose ids were checked by {@link HfJson#vocab}. */
    static String[] byId(Map<String, Integer> vocab) {
        int max = -1;
        for (int id : vocab.values()) max = Math.max(max, id);
        String[] out = new String[max + 1];
        for (var e : vocab.entrySet()) out[e.getValue()] = e.getKey();
        return out;
    }
}
