package dev.kiln.api.completion;

/**
 * A stretch of a row's text before tokenization: {@code literal} text comes from a chat template
 * (the tokenizer's special-token names in it become special tokens), other text is content from the
 * data (never special); {@code trained} pieces are loss targets (a completion, an assistant turn).
 */
public record Piece(String text, boolean literal, boolean trained) {}
