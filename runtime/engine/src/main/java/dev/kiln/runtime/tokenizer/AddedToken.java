package dev.kiln.runtime.tokenizer;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An entry of tokenizer.json's {@code added_tokens}. Special ones are Kiln's special tokens
 * (rendered by name in decode, never produced by encode); non-special ones are matched in the
 * text before pre-tokenization, as Hugging Face does. The flags are kept for writing back.
 */
record AddedToken(int id, String content, boolean special, boolean singleWord, boolean lstrip, boolean rstrip,
                  boolean normalized) {

    static AddedToken special(int id, String content) {
        return new AddedToken(id, content, true, false, false, false, false);
    }

    Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", id);
        m.put("content", content);
        m.put("single_word", singleWord);
        m.put("lstrip", lstrip);
        m.put("rstrip", rstrip);
        m.put("normalized", normalized);
        m.put("special", special);
        return m;
    }
}
