package dev.kiln.api.data;

/**
 * Tokenized documents addressed by index, stored back to back: document d is tokens
 * [start(d), start(d + 1)). A prepared corpus reads them from memory-mapped shards; a small text
 * corpus is tokenized into arrays ({@link ArrayTokenDocuments}). Token offsets and document
 * indices are longs: a corpus may hold more than 2³¹ of either.
 */
public interface TokenDocuments {

    long documentCount();

    long tokenCount();

    /** Offset of document {@code doc}'s first token; {@code start(documentCount())} = tokenCount(). */
    long start(long doc);

    /** Copies tokens [offset, offset + length) into dst[dstOffset …]. */
    void read(long offset, int[] dst, int dstOffset, int length);

    default int length(long doc) {
        return Math.toIntExact(start(doc + 1) - start(doc));
    }

    /** The tokens of one document. */
    default int[] document(long doc) {
        if (doc < 0 || doc >= documentCount()) throw new IndexOutOfBoundsException("document " + doc + " of " + documentCount());
        int[] out = new int[length(doc)];
        read(start(doc), out, 0, out.length);
        return out;
    }

    /** The document holding token {@code offset} (the last one starting at or before it; binary search). */
    default long documentAt(long offset) {
        long lo = 0, hi = documentCount() - 1;
        while (lo < hi) {
            long mid = (lo + hi + 1) >>> 1;
            if (start(mid) <= offset) lo = mid;
            else hi = mid - 1;
        }
        return lo;
    }
}
