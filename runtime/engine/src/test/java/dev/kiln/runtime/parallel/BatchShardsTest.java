package dev.kiln.runtime.parallel;

import dev.kiln.api.data.Batch;
import dev.kiln.api.tensor.IntTensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Worker r of N takes rows r, r + N, …, of every input (DistributedSampler's split); the shards make up the batch. */
class BatchShardsTest {
    static Batch batch() {
        int[] ids = new int[6 * 3];
        for (int i = 0; i < ids.length; i++) ids[i] = i;
        float[] feats = new float[6 * 2];
        for (int i = 0; i < feats.length; i++) feats[i] = 100 + i;
        return new Batch().put("ids", new IntTensor(ids, 6, 3)).put("feats", feats, 6, 2).tokens(18);
    }

    @Test
    void stridedRowsAcrossWorkers() {
        Batch b1 = BatchShards.rows(batch(), 1, 3);
        assertArrayEquals(new int[] {3, 4, 5, 12, 13, 14}, b1.ints("ids").data());   // rows 1 and 4
        assertArrayEquals(new int[] {2, 3}, b1.ints("ids").shape().dims());
        assertArrayEquals(new float[] {102, 103, 108, 109}, b1.floats("feats").data());
        assertArrayEquals(new int[] {2, 2}, b1.floats("feats").shape());
        assertEquals(6, b1.tokens());
        int covered = 0;
        for (int r = 0; r < 3; r++) covered += BatchShards.rows(batch(), r, 3).ints("ids").size();
        assertEquals(18, covered);
    }

    @Test
    void unevenSplitsAndInputsWithoutRowsAreRefusedByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BatchShards.rows(batch(), 0, 4));
        assertTrue(e.getMessage().contains("multiple of the worker count"), e.getMessage());
        Batch odd = batch().put("lengths", new IntTensor(new int[] {1, 2}, 2));
        e = assertThrows(IllegalArgumentException.class, () -> BatchShards.rows(odd, 0, 2));
        assertTrue(e.getMessage().contains("'lengths'") && e.getMessage().contains("first dimension"), e.getMessage());
    }
}
