package dev.kiln.objective.clm;

import dev.kiln.api.data.TokenDocuments;

/**
 * The token stream clm trains on: the documents back to back with the separator (EOS) between
 * them when there is one, read straight from the documents (no copy of the stream). Without a
 * separator stream position p is document token p; with one, document d starts at stream
 * position start(d) + d and the separator sits right after it.
 */
final class ClmStream {
    private final TokenDocuments docs;
    private final int separator;       // -1: none

    ClmStream(TokenDocuments docs, int separator) {
        this.docs = docs;
        this.separator = separator;
    }

    long length() {
        long n = docs.tokenCount();
        return separator < 0 || docs.documentCount() == 0 ? n : n + docs.documentCount() - 1;
    }

    /** Stream tokens [from, from + length) into dst[offset …]. */
    void read(long from, int[] dst, int offset, int length) {
        if (separator < 0) {
            docs.read(from, dst, offset, length);
            return;
        }
        long doc = documentAtStreamPosition(from);
        long pos = from;
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
    private long documentAtStreamPosition(long pos) {
        long lo = 0, hi = docs.documentCount() - 1;
        while (lo < hi) {
            long mid = (lo + hi + 1) >>> 1;
            if (docs.start(mid) + mid <= pos) lo = mid;
            else hi = mid - 1;
        }
        return lo;
    }
}
