package dev.kiln.runtime.tokenizer;

/**
 * Hugging Face's Metaspace pre-tokenizer: spaces become the replacement character (▁), which
 * is put in front of the piece unless it starts with one ({@code prepend_scheme}: always, or
 * only for the piece at the start of the input, or never), and with {@code split} every ▁
 * starts a new piece.
 */
record MetaspacePreTokenizer(char replacement, Prepend prepend, boolean split) implements PreTokenizer {
    enum Prepend { ALWAYS, FIRST, NEVER }

    static MetaspacePreTokenizer fromJson(JsonAt j) {
        String r = j.character("replacement", "\u2581");
        if (r.length() != 1) throw j.error("replacement", "must be a character of the Basic Multilingual Plane, got '" + r + "'");
        return new MetaspacePreTokenizer(r.charAt(0), prepend(j), j.bool("split", true));
    }

    /** prepend_scheme, or the older add_prefix_space (true: always, false: never); default always. */
    static Prepend prepend(JsonAt j) {
        String scheme = j.string("prepend_scheme", null);
        if (scheme == null) return j.bool("add_prefix_space", true) ? Prepend.ALWAYS : Prepend.NEVER;
        return switch (scheme) {
            case "always" -> Prepend.ALWAYS;
            case "first" -> Prepend.FIRST;
            case "never" -> Prepend.NEVER;
            default -> throw j.error("prepend_scheme", "is '" + scheme + "' (expected always, first or never)");
        };
    }

    @Override
    public void split(String s, boolean atStart, Sink out) {
        if (s.isEmpty()) return;
        String t = s.replace(' ', replacement);
        boolean add = prepend == Prepend.ALWAYS || (prepend == Prepend.FIRST && atStart);
        if (add && t.charAt(0) != replacement) t = replacement + t;
        if (!split) {
            out.piece(t, atStart);
            return;
        }
        int start = 0;                                   // MergedWithNext on each replacement character
        for (int i = 1; i < t.length(); i++) {
            if (t.charAt(i) == replacement) {
                out.piece(t.substring(start, i), atStart && start == 0);
                start = i;
            }
        }
        out.piece(start == 0 ? t : t.substring(start), atStart && start == 0);
    }
}
