package dev.kiln.runtime.tokenizer;

import dev.kiln.api.tokenizer.SpecialTokenText;
import dev.kiln.api.tokenizer.Tokenizer;

import java.util.Map;
import java.util.function.Function;

/**
 * Hugging Face's {@code split_special_tokens}: whether special-token strings in text ({@code <|endoftext|>},
 * {@code [SEP]}, {@code <|eot_id|>}) are their ids (false, transformers' default and Kiln's) or plain text
 * (true). Every Kiln tokenizer follows it in {@link Tokenizer#encode(String)}; {@code data.split_special_tokens: true}
 * in a pipeline asks for text.
 */
public interface SpecialTokenSplitting {
    /** The pipeline key ({@code data.split_special_tokens}) and transformers' argument name. */
    String KEY = "split_special_tokens";

    /** True when special-token strings in text are encoded as plain text. */
    boolean splitsSpecialTokens();

    /** A tokenizer like this one with {@code split} as its setting (this one when it already has it). */
    Tokenizer withSplitSpecialTokens(boolean split);

    /** {@code tokenizer} with the setting; an error naming it when it cannot encode special-token strings as text. */
    static Tokenizer apply(Tokenizer tokenizer, boolean split) {
        if (tokenizer instanceof SpecialTokenSplitting s) return s.withSplitSpecialTokens(split);
        if (!split) return tokenizer;                   // the Tokenizer contract's default
        throw new IllegalArgumentException(KEY + ": the tokenizer '" + tokenizer.name() + "' (" + tokenizer.getClass().getName()
                + ") cannot encode special-token strings as text; remove the key");
    }

    /** The setting of any tokenizer: its own, else false (the {@link Tokenizer#encode(String)} contract). */
    static boolean splits(Tokenizer tokenizer) {
        return tokenizer instanceof SpecialTokenSplitting s && s.splitsSpecialTokens();
    }

    /**
     * Splits text at the tokenizer's special-token names and encodes the rest with {@code plain}
     * (the tokenizer's own encoding without that split), so the split does not call back into itself.
     */
    static SpecialTokenText over(Tokenizer tokenizer, Function<String, int[]> plain) {
        return new SpecialTokenText(new Tokenizer() {
            @Override public String name() { return tokenizer.name(); }
            @Override public int vocabSize() { return tokenizer.vocabSize(); }
            @Override public int[] encode(String text) { return plain.apply(text); }
            @Override public String decode(int[] ids, boolean skipSpecial) { return tokenizer.decode(ids, skipSpecial); }
            @Override public Map<String, Integer> specialTokens() { return tokenizer.specialTokens(); }
        });
    }
}
