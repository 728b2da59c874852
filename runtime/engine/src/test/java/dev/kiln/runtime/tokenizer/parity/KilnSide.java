package dev.kiln.runtime.tokenizer.parity;

import dev.kiln.api.tokenizer.Tokenizer;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.function.Function;

/**
 * How the suite asks Kiln for ids, as transformers' {@code tokenizer(text, add_special_tokens=…)} does
 * by default ({@code split_special_tokens=False}: special-token strings in the text become their
 * ids): through a public {@code int[] encode(String, boolean)} on the tokenizer (Hugging Face
 * tokenizer.json files and GPT-2's vocab + merges have one). A tokenizer without one answers
 * {@code add_special_tokens=false} with {@link Tokenizer#encode(String)}, the same call by contract,
 * and fails {@code add_special_tokens=true} up front saying so.
 */
final class KilnSide {
    private KilnSide() {}

    static Function<String, int[]> encoder(Tokenizer t, boolean addSpecialTokens) {
        Method m;
        try {
            m = t.getClass().getMethod("encode", String.class, boolean.class);
        } catch (NoSuchMethodException e) {
            if (!addSpecialTokens) return t::encode;
            throw new AssertionError("Kiln's " + t.getClass().getSimpleName() + " has no public int[] encode(String text, boolean addSpecialTokens): "
                    + "the tokenizer.json post_processor (its template's special tokens) cannot be applied, so add_special_tokens=true "
                    + "has no Kiln counterpart yet");
        }
        if (m.getReturnType() != int[].class) throw new AssertionError(m + " does not return int[]");
        return text -> {
            try {
                return (int[]) m.invoke(t, text, addSpecialTokens);
            } catch (InvocationTargetException e) {
                if (e.getCause() instanceof RuntimeException r) throw r;
                throw new IllegalStateException(e.getCause());
            } catch (IllegalAccessException e) {
                throw new IllegalStateException(e);
            }
        };
    }
}
