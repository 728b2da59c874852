package dev.kiln.runtime.tokenizer;

import java.text.Normalizer;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * How a byte-level BPE tokenizer prepares text before the merges, read from tokenizer.json's
 * normalizer and pre_tokenizer: an optional Unicode normalization, a space added in front of
 * text that does not start with one ({@code add_prefix_space}), and the split into pieces —
 * GPT-2's regex ({@code use_regex}), a {@code Split} pre-tokenizer's own regex, or none.
 * {@code json} keeps tokenizer.json's pipeline sections (normalizer, pre_tokenizer,
 * post_processor, decoder) so that saving writes them back unchanged.
 */
record BpeOptions(Normalizer.Form normalization, boolean addPrefixSpace, boolean useRegex, Pattern split,
                  Map<String, Object> json) {

    /** GPT-2: no normalization, no prefix space, GPT-2's regex. */
    static BpeOptions gpt2() {
        return new BpeOptions(null, false, true, null, Map.of());
    }
}
