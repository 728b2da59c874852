package dev.kiln.runtime.data.prepared;

/**
 * Text read from a source: a whole document, or a piece of a long one (pieces of a document are
 * line-aligned, about 1 MiB each, and all but the last have {@code endsDocument} false).
 *
 * @param source "file:line" where the piece starts
 */
record SourcePiece(String text, boolean endsDocument, String source) {}
