package dev.kiln.api.data;

import dev.kiln.api.tensor.IntTensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Worker r of N takes rows r, r + N, …, of every input (DistributedSampler's split); the shards make up the batch. */
class BatchRowsTest {
    static Batch batch() {
        int[] ids = new int[6 * 3];
        for (int i = 0; i < ids.length; i++) ids[i] = i;
        float[] feats = new float[6 * 2];
        for (int i = 0; i < feats.length; i++) feats[i] = 100 + i;
        return new Batch().put("ids", new IntTensor(ids, 6, 3)).put("feats", feats, 6, 2).tokens(18);
    }

    @Test
    void stridedRowsAcrossWorkers() {
        Batch b1 = BatchRows.strided(batch(), 1, 3);
        assertArrayEquals(new int[] {3, 4, 5, 12, 13, 14}, b1.ints("ids").data());   // rows 1 and 4
        assertArrayEquals(new int[] {2, 3}, b1.ints("ids").shape().dims());
        assertArrayEquals(new float[] {102, 103, 108, 109}, b1.floats("feats").data());
        assertArrayEquals(new int[] {2, 2}, b1.floats("feats").shape());
        assertEquals(6, b1.tokens());
        int covered = 0;
        for (int r = 0; r < 3; r++) covered += BatchRows.strided(batch(), r, 3).ints("ids").size();
        assertEquals(18, covered);
    }

    @Test
    void anUnevenSplitGivesTheFirstWorkersOneRowMoreAndTheirShareOfTheTokens() {
        int[] rows = new int[4];
        long tokens = 0;
        for (int r = 0; r < 4; r++) {
            Batch mine = BatchRows.strided(batch(), r, 4);
            rows[r] = mine.ints("ids").dim(0);
            tokens += mine.tokens();
            assertFalse(mine.padding());
        }
        assertArrayEquals(new int[] {2, 2, 1, 1}, rows);
        assertEquals(18, tokens);
        assertArrayEquals(new int[] {9, 10, 11}, BatchRows.strided(batch(), 3, 4).ints("ids").data());     // row 3 alone
    }

    @Test
    void aWorkerPastTheLastRowHoldsAPaddingRepeatThatTrainsNothing() {
        Batch two = BatchRows.strided(batch(), 0, 3);                  // rows 0 and 3 of six: a batch of two rows
        Batch third = BatchRows.strided(two, 2, 3);
        assertTrue(third.padding());
        assertEquals(0, third.tokens());
        assertArrayEquals(new int[] {0, 1, 2}, third.ints("ids").data(), "a repeat of row 2 mod 2 = 0");
        assertFalse(BatchRows.strided(two, 1, 3).padding());
        Batch composite = new Batch().putPart("a", two);
        assertTrue(BatchRows.strided(composite, 2, 3).padding(), "a composite batch whose every part is padding is padding");
    }

    @Test
    void blocksKeepAnExamplesRowsTogetherAndWholeInputsGoToEveryWorker() {
        // three pairs: chosen rows 0-2, rejected rows 3-5, one margin per pair, and a seed of the batch
        int[] ids = {10, 11, 12, 20, 21, 22};
        Batch pairs = new Batch().put("ids", new IntTensor(ids, 6)).put("margins", new float[] {1, 2, 3}, 3)
                .putWhole("seed", new IntTensor(new int[] {7, 9}, 2)).blocks(2).tokens(6);
        Batch w0 = BatchRows.strided(pairs, 0, 2), w1 = BatchRows.strided(pairs, 1, 2);
        assertArrayEquals(new int[] {10, 12, 20, 22}, w0.ints("ids").data(), "pairs 0 and 2: chosen rows, then their rejected rows");
        assertArrayEquals(new int[] {11, 21}, w1.ints("ids").data());
        assertArrayEquals(new float[] {1, 3}, w0.floats("margins").data());
        assertArrayEquals(new float[] {2}, w1.floats("margins").data());
        assertEquals(2, w1.blocks());
        assertArrayEquals(new int[] {7, 9}, w1.ints("seed").data());
        assertTrue(w1.wholeInputs().contains("seed"));
        Batch odd = pairs.put("lengths", new IntTensor(new int[] {1, 2}, 2));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BatchRows.strided(odd, 0, 2));
        assertTrue(e.getMessage().contains("'lengths'") && e.getMessage().contains("first dimension")
                && e.getMessage().contains("6 rows in 2 blocks, or 3, one per example"), e.getMessage());
    }

    @Test
    void batchesMadeByRowsMakeOnlyAWorkersRowsAndOthersAreSplitWhole() {
        int[] made = new int[1];
        Batches byRows = Batches.byRows(2, (i, rank, world) -> {
            int rows = BatchRows.count(6, rank, world);
            int[] ids = new int[rows];
            for (int r = 0; r < rows; r++) ids[r] = (int) i * 100 + rank + r * world;
            made[0] += rows;
            return new Batch().put("ids", new IntTensor(ids, rows)).tokens(rows);
        });
        assertArrayEquals(new int[] {101, 103, 105}, byRows.shard(1, 2).get(1).ints("ids").data());
        assertEquals(3, made[0], "only the worker's rows are made");
        assertArrayEquals(BatchRows.strided(byRows.get(1), 1, 2).ints("ids").data(), byRows.shard(1, 2).get(1).ints("ids").data());

        Batches whole = Batches.of(java.util.List.of(batch()));
        assertArrayEquals(new int[] {3, 4, 5, 12, 13, 14}, whole.shard(1, 3).get(0).ints("ids").data());
        assertSame(whole, whole.shard(0, 1));
        assertThrows(IllegalArgumentException.class, () -> whole.shard(3, 3), "worker 3 of 3 does not exist");
    }
}
