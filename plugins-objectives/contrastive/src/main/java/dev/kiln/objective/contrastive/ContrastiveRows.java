package dev.kiln.objective.contrastive;

import dev.kiln.api.data.Batch;
import dev.kiln.api.tensor.IntTensor;

import java.util.Arrays;
import java.util.List;

/**
 * Writes a contrastive batch: each row group's anchor, positive and (K = 3) negative token ids as
 * [CLS] (when the tokenizer has one) + tokens, cut to T, padded. Rows [0, B) are anchors,
 * [B, 2B) positives, [2B, 3B) negatives: K {@linkplain Batch#blocks blocks}, so a data-parallel worker's share
 * keeps whole groups.
 */
final class ContrastiveRows {

    /** One training item as token ids; {@code negative} is null when K = 2. */
    record Row(int[] anchor, int[] positive, int[] negative) {}

    private final int cls, pad;

    ContrastiveRows(int cls, int pad) {
        this.cls = cls;
        this.pad = pad;
    }

    /**
     * Keys {@code ids}, {@code mask} [K·B, T] in K blocks, {@code positions} [B] (each group's place in the batch, which a
     * worker's share keeps) and {@code examples} [1] = B (the whole batch's groups, in every worker's share).
     */
    Batch batch(List<Row> rows, int k, int t) {
        int b = rows.size();
        int[] ids = new int[k * b * t], mask = new int[k * b * t], positions = new int[b];
        if (pad != 0) Arrays.fill(ids, pad);
        long tokens = 0;
        for (int r = 0; r < b; r++) {
            Row row = rows.get(r);
            positions[r] = r;
            tokens += write(row.anchor(), ids, mask, r, t);
            tokens += write(row.positive(), ids, mask, b + r, t);
            if (k == 3) tokens += write(row.negative(), ids, mask, 2 * b + r, t);
        }
        return new Batch()
                .put("ids", new IntTensor(ids, k * b, t))           // [K·B, T]
                .put("mask", new IntTensor(mask, k * b, t))         // [K·B, T]
                .put("positions", new IntTensor(positions, b))      // [B] 0, 1, …
                .putWhole("examples", new IntTensor(new int[] {b}, 1))
                .blocks(k)
                .tokens(tokens);
    }

    /** Writes [CLS] + {@code enc} into row {@code row} (cut to t); returns the tokens written. */
    private int write(int[] enc, int[] ids, int[] mask, int row, int t) {
        int at = row * t, n = 0;
        if (cls >= 0) { ids[at] = cls; mask[at] = 1; n = 1; }
        for (int i = 0; i < enc.length && n < t; i++, n++) { ids[at + n] = enc[i]; mask[at + n] = 1; }
        if (n == 0) { mask[at] = 1; n = 1; }          // an empty text still pools one (padding) position
        return n;
    }
}
