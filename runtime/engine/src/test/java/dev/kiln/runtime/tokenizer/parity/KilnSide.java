package dev.kiln.runtime.tokenizer.parity;

import dev.kiln.api.tokenizer.Tokenizer;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.function.Function;

/**
 * How the suite asks Kiln for ids. {@code add_special_tokens=false} is {@link Tokenizer#encode(String)}
 * (plain text). {@code add_special_tokens=true} needs a public {@code int[] encode(String, boolean)}
 * on the tokenizer (the post-processor's template applied); Kiln's Tokenizer has none today, so
 * those cases fail up front saying so, and pass once such a method exists.
 */
final class KilnSide {
    private KilnSide() {}

    static Function<String, int[]> encoder(Tokenizer t, boolean addSpecialTokens) {
        if (!addSpecialTokens) return t::encode;
        Method m;
        try {
            m = t.getClass().getMethod("encode", String.class, boolean.class);
        } catch (NoSuchMethodException e) {
            throw new AssertionError("Kiln's " + t.getClass().getSimpleName() + " has no public int[] encode(String text, boolean addSpecialTokens): "
                    + "the tokenizer.json post_processor (its template's special tokens) cannot be applied, so add_special_tokens=true "
                    + "has no Kiln counterpart yet");
        }
        if (m.getReturnType() != int[].class) throw new AssertionError(m + " does not return int[]");
        return text -> {
            try {
                return (int[]) m.invoke(t, text, true);
            } catch (InvocationTargetException e) {
                if (e.getCause() instanceof RuntimeException r) throw r;
                throw new IllegalStateException(e.getCause());
            } catch (IllegalAccessException e) {
                throw new IllegalStateException(e);
            }
        };
    }
}
