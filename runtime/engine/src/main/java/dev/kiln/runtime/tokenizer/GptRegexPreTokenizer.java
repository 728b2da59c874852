package dev.kiln.runtime.tokenizer;

/**
 * A Split pre-tokenizer whose regex is exactly GPT-2's ({@code Isolated}, not inverted), run by
 * the hand-written {@link GptPreTokenizer} scanner instead of a regex engine.
 */
final class GptRegexPreTokenizer implements PreTokenizer {
    static final String GPT2 = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";
    static final GptRegexPreTokenizer INSTANCE = new GptRegexPreTokenizer();

    private GptRegexPreTokenizer() {}

    static boolean isGpt2(JsonAt split) {
        JsonAt p = split.object("pattern");
        return p.has("Regex") && GPT2.equals(p.string("Regex"));
    }

    @Override
    public void split(String s, boolean atStart, Sink out) {
        GptPreTokenizer.split(s, (from, to) -> out.piece(s.substring(from, to), atStart && from == 0));
    }
}
