package dev.kiln.api.tokenizer;

import java.util.Map;
import java.util.OptionalInt;

/** Text ↔ token ids. Implementations: byte-level (runtime), BPE and WordPiece (later). */
public interface Tokenizer {
    /** End of text / document separator. */
    String EOS = "<|endoftext|>";
    String PAD = "[PAD]";
    String MASK = "[MASK]";
    String CLS = "[CLS]";
    String SEP = "[SEP]";
    String UNK = "[UNK]";

    String name();

    int vocabSize();

    /**
     * Ids of text, as Hugging Face's {@code tokenizer(text, add_special_tokens=False)} gives them:
     * special-token strings in the text ({@code <|endoftext|>}, {@code [SEP]}, ...) are their ids
     * (transformers' default {@code split_special_tokens=False}), unless the tokenizer was made to
     * encode them as text; nothing is added around the sequence.
     */
    int[] encode(String text);

    /** Text of ids; special tokens are rendered by their names unless skipped. */
    String decode(int[] ids, boolean skipSpecial);

    default String decode(int[] ids) { return decode(ids, false); }

    /** Special tokens by name (EOS, PAD, MASK, ...) → id. */
    Map<String, Integer> specialTokens();

    default OptionalInt special(String name) {
        Integer id = specialTokens().get(name);
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    /** The id of a special token this caller cannot do without, or an error naming it. */
    default int requireSpecial(String name) {
        return special(name).orElseThrow(() -> new IllegalStateException(
                "tokenizer '" + name() + "' has no " + name + " token (has: " + specialTokens().keySet() + ")"));
    }

    default boolean isSpecial(int id) { return specialTokens().containsValue(id); }
}
