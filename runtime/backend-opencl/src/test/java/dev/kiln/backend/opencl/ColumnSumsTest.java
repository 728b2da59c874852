package dev.kiln.backend.opencl;

import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.tensor.Storage;
import dev.kiln.backend.opencl.kernel.Op;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Which sums run as a column kernel, and that the column kernels agree with the reference where they do. */
class ColumnSumsTest {

    @Test
    void keptTrailingFindsWhereTheKeptDimensionsStart() {
        assertEquals(1, OpenClReductions.keptTrailing(new int[] {1024, 768}, new int[] {1, 768}));
        assertEquals(2, OpenClReductions.keptTrailing(new int[] {8, 128, 256}, new int[] {1, 1, 256}));
        assertEquals(1, OpenClReductions.keptTrailing(new int[] {17, 1, 3}, new int[] {1, 1, 3}));
        assertEquals(3, OpenClReductions.keptTrailing(new int[] {4, 3, 5}, new int[] {1, 1, 1}));
        assertEquals(-1, OpenClReductions.keptTrailing(new int[] {5, 33}, new int[] {5, 1}));
        assertEquals(-1, OpenClReductions.keptTrailing(new int[] {2, 3, 4}, new int[] {2, 1, 4}));
        assertEquals(-1, OpenClReductions.keptTrailing(new int[] {4, 3, 5}, new int[] {1, 3, 1}));
        assertEquals(0, OpenClReductions.keptTrailing(new int[] {3, 17}, new int[] {3, 17}));
    }

    @Tag("gpu")
    @Test
    void biasGradientsAndNormParameterGradientsRunAsColumnKernels() {
        try (OpenClBackend cl = OpenClTestSupport.backendOrSkip(); NaiveBackend ref = new NaiveBackend()) {
            int rows = 1030, cols = 65;
            float[] g = random(1, rows * cols), start = random(2, cols);
            for (boolean acc : new boolean[] {false, true}) {
                long before = cl.dev.launches(Op.COLUMN_SUMS), general = cl.dev.launches(Op.REDUCE_SUM_TO);
                Storage out = cl.upload(start), expected = ref.upload(start);
                cl.reduceSumTo(cl.upload(g), new int[] {rows, cols}, out, new int[] {1, cols}, acc);
                ref.reduceSumTo(ref.upload(g), new int[] {rows, cols}, expected, new int[] {1, cols}, acc);
                assertEquals(before + 1, cl.dev.launches(Op.COLUMN_SUMS), "a bias gradient is one column-sum launch");
                assertEquals(general, cl.dev.launches(Op.REDUCE_SUM_TO), "and no general reduction");
                assertArrayEquals(ref.download(expected), cl.download(out), 1e-3f, "column sums, accumulate=" + acc);
            }
            long general = cl.dev.launches(Op.REDUCE_SUM_TO);
            cl.reduceSumTo(cl.upload(g), new int[] {rows, cols}, cl.allocate(rows), new int[] {rows, 1}, false);
            assertEquals(general + 1, cl.dev.launches(Op.REDUCE_SUM_TO), "row sums take the general kernel");
        }
    }

    private static float[] random(long seed, int n) {
        Random r = new Random(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) r.nextGaussian();
        return x;
    }
}
