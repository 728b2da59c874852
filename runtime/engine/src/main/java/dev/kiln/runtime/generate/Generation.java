package dev.kiln.runtime.generate;

/**
 * What one {@link Generator} call produced.
 *
 * @param text          the generated text (without the prompt; cut before a stop string); empty for id-only calls
 * @param tokens        the generated ids, in order (EOS not included)
 * @param promptTokens  how many ids the prompt had
 * @param reason        why generation ended
 * @param contextSlides how many times the context was cut to its most recent tokens because it reached max_seq
 * @param seconds       wall time of the whole call, prompt included
 */
public record Generation(String text, int[] tokens, int promptTokens, StopReason reason, int contextSlides,
                         double seconds) {

    /** Why generation ended. */
    public enum StopReason {
        /** The model produced the tokenizer's end-of-text token. */
        EOS,
        /** A stop string appeared in the text. */
        STOP_STRING,
        /** max_new_tokens were generated. */
        MAX_TOKENS,
        /** The token callback asked to stop. */
        CALLBACK
    }

    /** Generated tokens per second over the whole call. */
    public double tokensPerSecond() {
        return seconds <= 0 ? 0 : tokens.length / seconds;
    }
}
