package dev.kiln.api.tensor;

import java.util.Arrays;
import java.util.List;

/**
 * Token rows of different lengths as one right-padded batch: {@code ids} [N, L] (each row, then
 * {@code pad}) and {@code mask} [N, L] (1 = a real token), L the longest row (at least 1).
 */
public record PaddedRows(IntTensor ids, IntTensor mask) {

    public static PaddedRows of(List<int[]> rows, int pad) {
        int n = rows.size(), width = 1;
        for (int[] r : rows) width = Math.max(width, r.length);
        int[] ids = new int[n * width], mask = new int[n * width];
        Arrays.fill(ids, pad);
        for (int i = 0; i < n; i++) {
            System.arraycopy(rows.get(i), 0, ids, i * width, rows.get(i).length);
            Arrays.fill(mask, i * width, i * width + rows.get(i).length, 1);
        }
        return new PaddedRows(new IntTensor(ids, n, width), new IntTensor(mask, n, width));
    }
}
