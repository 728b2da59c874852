package dev.kiln.runtime.chat;

import dev.kiln.api.tokenizer.SpecialTokenText;
import dev.kiln.api.tokenizer.Tokenizer;

/**
 * Token ids of a rendered chat, as transformers' {@code apply_chat_template(tokenize=True)} makes
 * them: the text encoded without adding special tokens (the template wrote BOS itself, if the
 * model wants one), its special-token names becoming their ids ({@link SpecialTokenText}).
 */
public final class ChatEncoding {
    private ChatEncoding() {}

    public static int[] encode(Tokenizer tokenizer, String text) {
        return new SpecialTokenText(tokenizer).encode(text);
    }
}
