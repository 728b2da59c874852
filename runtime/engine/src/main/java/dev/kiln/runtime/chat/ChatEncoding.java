package dev.kiln.runtime.chat;

import dev.kiln.api.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Token ids of a rendered chat, as transformers' {@code apply_chat_template(tokenize=True)} makes
 * them: the text encoded without adding special tokens (the template wrote BOS itself, if the
 * model wants one), where the tokenizer's special-token names in the text (e.g.
 * {@code <|eot_id|>}, {@code <start_of_turn>}) become their ids. The text is split at those names
 * (leftmost, longest first) and the pieces between them are encoded with
 * {@link Tokenizer#encode}, as Hugging Face tokenizers split on added tokens before
 * pre-tokenizing.
 */
public final class ChatEncoding {
    private ChatEncoding() {}

    public static int[] encode(Tokenizer tokenizer, String text) {
        List<Map.Entry<String, Integer>> specials = new ArrayList<>(tokenizer.specialTokens().entrySet());
        specials.removeIf(e -> e.getKey().isEmpty());
        specials.sort((a, b) -> b.getKey().length() - a.getKey().length());
        int[] out = new int[Math.max(16, text.length() / 2)];
        int n = 0, from = 0;
        while (from < text.length()) {
            int at = -1, id = -1, len = 0;
            for (Map.Entry<String, Integer> s : specials) {
                int i = text.indexOf(s.getKey(), from);
                if (i >= 0 && (at < 0 || i < at)) {
                    at = i;
                    id = s.getValue();
                    len = s.getKey().length();
                }
            }
            int end = at < 0 ? text.length() : at;
            if (end > from) {
                int[] piece = tokenizer.encode(text.substring(from, end));
                if (n + piece.length + 1 > out.length) out = Arrays.copyOf(out, Math.max(out.length * 2, n + piece.length + 1));
                System.arraycopy(piece, 0, out, n, piece.length);
                n += piece.length;
            }
            if (at < 0) break;
            if (n + 1 > out.length) out = Arrays.copyOf(out, out.length * 2);
            out[n++] = id;
            from = at + len;
        }
        return Arrays.copyOf(out, n);
    }
}
