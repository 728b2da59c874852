package dev.kiln.backend.opencl;

import dev.kiln.api.backend.BinaryOp;
import dev.kiln.api.tensor.Storage;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * The int inputs of a launch (ids, shapes) go to the device without the host waiting, into one device
 * buffer each: a long chain of launches, each with inputs of its own and nothing downloaded in between,
 * must still have every launch read its own inputs and never a later launch's.
 */
@Tag("gpu")
class QueuedInputsTest {
    static final int DIM = 8, ROWS = 50, LAUNCHES = 300;

    /** An embedding table [ROWS, DIM] whose every float is its own index. */
    static float[] table() {
        float[] table = new float[ROWS * DIM];
        for (int i = 0; i < table.length; i++) table[i] = i;
        return table;
    }

    @Test
    void everyQueuedLaunchReadsItsOwnIdsAndShapes() {
        try (OpenClBackend ocl = OpenClTestSupport.backendOrSkip()) {
            float[] table = table();
            Storage t = ocl.upload(table);
            float[] row = new float[DIM], col = new float[DIM];
            for (int i = 0; i < DIM; i++) {
                row[i] = 1000f * (i + 1);
                col[i] = 0.5f * (i + 1);
            }
            Storage rowVec = ocl.upload(row), colVec = ocl.upload(col);
            List<Storage> outs = new ArrayList<>();
            List<float[]> expected = new ArrayList<>();
            for (int l = 0; l < LAUNCHES; l++) {
                int n = 1 + l % 7;
                int[] ids = new int[n];
                for (int i = 0; i < n; i++) ids[i] = (l * 31 + i * 7) % ROWS;
                Storage emb = ocl.allocate(n * DIM);
                ocl.embedding(t, ids, emb, DIM);
                float[] want = new float[n * DIM];
                for (int i = 0; i < n; i++) for (int d = 0; d < DIM; d++) want[i * DIM + d] = table[ids[i] * DIM + d];
                // a broadcast add whose shapes alternate, so consecutive launches need different strides
                Storage sum = ocl.allocate(n * DIM);
                if (l % 2 == 0) {
                    ocl.binary(BinaryOp.ADD, emb, new int[] {n, DIM}, rowVec, new int[] {1, DIM}, sum, new int[] {n, DIM});
                    for (int i = 0; i < n; i++) for (int d = 0; d < DIM; d++) want[i * DIM + d] += row[d];
                } else {   // the same floats seen as [DIM, n], plus a column
                    ocl.binary(BinaryOp.ADD, emb, new int[] {DIM, n}, colVec, new int[] {DIM, 1}, sum, new int[] {DIM, n});
                    for (int d = 0; d < DIM; d++) for (int j = 0; j < n; j++) want[d * n + j] += col[d];
                }
                outs.add(sum);
                expected.add(want);
            }
            for (int l = 0; l < LAUNCHES; l++) assertArrayEquals(expected.get(l), ocl.download(outs.get(l)), "launch " + l);
        }
    }

    /** Ids larger than the staging buffer: each such write first drains the queue, the largest grows it. */
    @Test
    void idsThatOverflowTheStagingBufferStillReachTheirLaunch() {
        try (OpenClBackend ocl = OpenClTestSupport.backendOrSkip()) {
            float[] table = table();
            Storage t = ocl.upload(table);
            List<Storage> outs = new ArrayList<>();
            List<int[]> idsOf = new ArrayList<>();
            for (int l = 0; l < 8; l++) {
                int n = l % 2 == 0 ? 200_000 : 300_000;                      // 0.8 MB and 1.2 MB of ids
                int[] ids = new int[n];
                for (int i = 0; i < n; i++) ids[i] = (i * 7 + l) % ROWS;
                Storage emb = ocl.allocate(n * DIM);
                ocl.embedding(t, ids, emb, DIM);
                outs.add(emb);
                idsOf.add(ids);
            }
            for (int l = 0; l < outs.size(); l++) {
                float[] got = ocl.download(outs.get(l));
                int[] ids = idsOf.get(l);
                for (int i = 0; i < ids.length; i++)
                    for (int d = 0; d < DIM; d++)
                        if (got[i * DIM + d] != table[ids[i] * DIM + d])
                            throw new AssertionError("launch " + l + " row " + i + " col " + d + ": " + got[i * DIM + d] + " vs " + table[ids[i] * DIM + d]);
            }
        }
    }
}
