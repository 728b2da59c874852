package dev.kiln.api.data;

import dev.kiln.api.tensor.IntTensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertEquals;
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
    void unevenSplitsAndInputsWithoutRowsAreRefusedByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BatchRows.strided(batch(), 0, 4));
        assertTrue(e.getMessage().contains("multiple of the worker count"), e.getMessage());
        Batch odd = batch().put("lengths", new IntTensor(new int[] {1, 2}, 2));
        e = assertThrows(IllegalArgumentException.class, () -> BatchRows.strided(odd, 0, 2));
        assertTrue(e.getMessage().contains("'lengths'") && e.getMessage().contains("first dimension"), e.getMessage());
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
