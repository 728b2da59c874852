package dev.kiln.backend.opencl;

import dev.kiln.api.backend.BinaryOp;
import dev.kiln.api.tensor.Storage;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A launch's int inputs (ids) go to the device without the host waiting, into one device buffer, and its shapes
 * into a slot of the {@link MetaTable}, while the launches before it may still be queued: a long chain of launches,
 * each with inputs of its own and nothing downloaded in between, must still have every launch read its own inputs
 * and never a later launch's.
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

    /** In sync mode too ({@code KILN_OPENCL_SYNC}), where each launch is waited for: the same results. */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void everyQueuedLaunchReadsItsOwnIdsAndShapes(boolean sync) {
        ClDevice device = OpenClTestSupport.deviceOrSkip();
        try (OpenClBackend ocl = new OpenClBackend(device, 64, 1024, OpenClBackend.bufferFloats(device.maxAllocBytes()), sync)) {
            assertEquals(sync, ocl.description().contains("sync mode (KILN_OPENCL_SYNC)"), ocl.description());
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
            assertEquals(14, ocl.dev.metaWrites(), "n in 1..7, two layouts each: each shape written once, then found in its slot");
            for (int l = 0; l < LAUNCHES; l++) assertArrayEquals(expected.get(l), ocl.download(outs.get(l)), "launch " + l);
        }
    }

    /**
     * More distinct shapes than the table has slots, queued without a download between: the table starts over
     * while earlier launches may still be queued, and each launch must still read its own shape.
     */
    @Test
    void moreShapesThanSlotsStillReachTheirLaunch() {
        try (OpenClBackend ocl = OpenClTestSupport.backendOrSkip()) {
            int shapes = Launcher.META_SLOTS + 100;
            float[] x = new float[shapes + 1];
            for (int i = 0; i < x.length; i++) x[i] = i;
            Storage in = ocl.upload(x), one = ocl.upload(new float[] {1f});
            List<Storage> outs = new ArrayList<>();
            for (int n = 1; n <= shapes; n++) {
                Storage out = ocl.allocate(n);
                ocl.binary(BinaryOp.ADD, in, new int[] {n}, one, new int[] {1}, out, new int[] {n});   // x[0, n) + 1
                outs.add(out);
            }
            assertEquals(shapes, ocl.dev.metaWrites());
            for (int n = 1; n <= shapes; n++) {
                float[] got = ocl.download(outs.get(n - 1));
                for (int i = 0; i < n; i++) if (got[i] != i + 1f) throw new AssertionError("n " + n + " element " + i + ": " + got[i]);
            }
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
