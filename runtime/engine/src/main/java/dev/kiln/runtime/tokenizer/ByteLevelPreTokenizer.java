package dev.kiln.runtime.tokenizer;

import java.nio.charset.StandardCharsets;

/**
 * Hugging Face's ByteLevel pre-tokenizer: a space in front of each piece that lacks one
 * ({@code add_prefix_space}), GPT-2's split ({@code use_regex}), then every UTF-8 byte of each
 * piece as its byte-level character ({@link ByteLevel}).
 */
record ByteLevelPreTokenizer(boolean addPrefixSpace, boolean useRegex) implements PreTokenizer {

    @Override
    public void split(String s, boolean atStart, Sink out) {
        if (s.isEmpty()) return;
        String text = addPrefixSpace && s.charAt(0) != ' ' ? " ".concat(s) : s;
        if (!useRegex) {
            out.piece(toByteLevel(text, 0, text.length()), atStart);
            return;
        }
        GptPreTokenizer.split(text, (from, to) -> out.piece(toByteLevel(text, from, to), atStart && from == 0));
    }

    /** The byte-level string of {@code s[from, to)}; ASCII skips UTF-8 encoding. */
    static String toByteLevel(String s, int from, int to) {
        char[] out = new char[to - from];
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c >= 128) return ByteLevel.encode(s.substring(from, to).getBytes(StandardCharsets.UTF_8));
            out[i - from] = ByteLevel.charOf(c);
        }
        return new String(out);
    }
}
