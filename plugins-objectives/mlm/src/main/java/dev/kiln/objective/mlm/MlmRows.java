package dev.kiln.objective.mlm;

import java.util.Random;

/**
 * The rows of one mlm epoch, addressed by index and made on demand: row k is
 * {@code [CLS] tokens [SEP]} (at most T ids), before masking and padding. Two layouts:
 * <ul>
 *   <li>{@link DocumentRows} (default): one row per document, a chunk of it (no text crosses a
 *       document boundary);</li>
 *   <li>{@link PackedRows} ({@code pack}): the documents joined by [SEP] into one stream, cut into
 *       full rows.</li>
 * </ul>
 * Nothing is built up front: a row reads only its own tokens, so an epoch over a corpus larger
 * than memory costs one batch of rows.
 */
interface MlmRows {

    /** Rows in the epoch. */
    long count();

    /**
     * Row {@code index}, 0 ≤ index < count(). {@code rng} is the row's random stream: a layout that
     * draws (which chunk of a long document) takes its draws from it first, so the row is deterministic
     * for (seed, batch, row) and any row can be made alone.
     */
    int[] row(long index, Random rng);

    /**
     * {@code row(index, rng).length}, reading as little as the layout allows (a prepared document's length,
     * a block's first tokens): a data-parallel worker pads its rows to the whole batch's longest.
     */
    int length(long index, Random rng);

    /** Tokens a row may hold between [CLS] and [SEP] for sequence length {@code t} (≥ 3). */
    static int room(int t) {
        if (t < 3) throw new IllegalArgumentException("objective 'mlm': seq_len must be at least 3 for [CLS] x [SEP], got " + t);
        return t - 2;
    }

    /** {@code [CLS] src[from, to) [SEP]}. */
    static int[] wrap(int cls, int sep, int[] src, int from, int to) {
        int[] row = new int[to - from + 2];
        row[0] = cls;
        System.arraycopy(src, from, row, 1, to - from);
        row[row.length - 1] = sep;
        return row;
    }
}
