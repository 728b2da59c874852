package dev.kiln.api.data;

/**
 * The documents back to back with a separator token between them, read by stream position
 * straight from the documents (no copy of the stream): document d starts at stream position
 * start(d) + d and the separator sits right after it (none after the last). Empty documents
 * stay in the stream, so two separators can meet. A separator of -1 means none: the stream is the
 * documents' tokens as stored. clm packs its blocks from this stream (EOS between documents), mlm's
 * packed rows too ([SEP]).
 */
public final class SeparatedStream {
    private final TokenDocuments docs;
    private final int separator;

    /** @param separator the token between documents, or -1 for none */
    public SeparatedStream(TokenDocuments docs, int separator) {
        this.docs = docs;
        this.separator = separator;
    }

    public long length() {
        return separator < 0 || docs.documentCount() == 0 ? docs.tokenCount() : docs.tokenCount() + docs.documentCount() - 1;
    }

    /** Stream tokens [from, from + length) into dst[offset …]. */
    public void read(long from, int[] dst, int offset, int length) {
        if (length == 0) return;
        if (separator < 0) {
            docs.read(from, dst, offset, length);
            return;
        }
        long doc = documentAt(from), pos = from;
        int filled = 0;
        while (filled < length) {
            long docStart = docs.start(doc) + doc, docEnd = docStart + docs.length(doc);    // stream positions
            if (pos < docEnd) {
                int n = (int) Math.min(length - filled, docEnd - pos);
                docs.read(pos - doc, dst, offset + filled, n);
                filled += n;
                pos += n;
            } else {                                  // pos == docEnd: the separator after document doc
                dst[offset + filled++] = separator;
                pos++;
                doc++;
            }
        }
    }

    /** The document whose stream span [start(d) + d, start(d + 1) + d] (its tokens and the separator after) holds pos. */
    private long documentAt(long pos) {
        long lo = 0, hi = docs.documentCount() - 1;
        while (lo < hi) {
            long mid = (lo + hi + 1) >>> 1;
            if (docs.start(mid) + mid <= pos) lo = mid;
            else hi = mid - 1;
        }
        return lo;
    }
}
