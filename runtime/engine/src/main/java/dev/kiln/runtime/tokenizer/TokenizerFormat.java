package dev.kiln.runtime.tokenizer;

import dev.kiln.api.config.Config;
import dev.kiln.api.tokenizer.Tokenizer;

import java.util.Map;

/**
 * One kind of tokenizer as {@link TokenizerSpec} knows it: how to create it from a pipeline's
 * {@code tokenizer:} section and how to write it to / read it from {@code tokenizer.json}.
 * Byte-level is built in; BPE and WordPiece add a format each, written in Hugging Face's
 * tokenizer.json layout (no {@code type} key; {@code model.type} tells them apart).
 */
public interface TokenizerFormat {

    /** The {@code type} in configs and in tokenizer.json, e.g. "byte". */
    String type();

    /** The Hugging Face {@code model.type} this format reads ("BPE", "WordPiece"), or null. */
    default String modelType() { return null; }

    /** Whether this format can describe {@code tokenizer} (save picks the first that can). */
    boolean describes(Tokenizer tokenizer);

    /** A new tokenizer from a config section (its keys besides {@code type}); parse strictly. */
    Tokenizer create(Config options);

    /** The JSON object for tokenizer.json, {@code type} included. */
    Map<String, Object> write(Tokenizer tokenizer);

    /** The tokenizer a tokenizer.json object describes; {@code json} is strict, named after the file. */
    Tokenizer read(Config json);
}
