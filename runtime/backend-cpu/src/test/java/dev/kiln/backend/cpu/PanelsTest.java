package dev.kiln.backend.cpu;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Both packings, the scalar {@link Panels} and the Vector API kernel's {@link VectorPanels}, lay out exactly the panels
 * {@link MicroKernel} documents, element by element (op(A) in mr-tall panels [kc][mr], op(B) in nr-wide panels
 * [kc][nr], zero past the matrix's edge), on every panel shape {@link Gemm} asks for: whole and cut panels, A or B
 * transposed or not, offsets into a block of K and of N, row strides wider than the block.
 */
class PanelsTest {
    private final MicroKernel kernel = VectorMicroKernel.create();
    private final int mr = kernel.mr(), nr = kernel.nr();
    private final Panels scalar = new Panels(mr, nr), vector = kernel.panels();

    @Test
    void theVectorKernelPacksThroughVectorPanels() {
        assertEquals(VectorPanels.class, vector.getClass());
        assertThrows(IllegalArgumentException.class, () -> new VectorPanels(mr, nr + 1));
    }

    @Test
    void bPanelsHoldOpBColumnByColumn() {
        SplittableRandom rng = new SplittableRandom(11);
        int[] widths = {1, nr - 1, nr, nr + 3, 3 * nr, 4 * nr + 7, 17 * nr, 21 * nr + 5};   // up to 2, 3–16, over 16 whole panels
        int[] depths = {1, 5, 16, 37, 128};
        for (boolean transB : new boolean[] {false, true}) {
            for (int n : widths) {
                for (int kc : depths) {
                    int pc = rng.nextInt(4), jc = rng.nextInt(3), width = jc + n + rng.nextInt(5), depth = pc + kc + rng.nextInt(3);
                    // op(B) [depth, width]: stored [depth, ldb] or, transposed, [width, ldb]
                    int ldb = (transB ? depth : width) + rng.nextInt(4), rows = transB ? width : depth, bo = rng.nextInt(9);
                    float[] b = random(rng, bo + rows * ldb);
                    int panels = (n + nr - 1) / nr, p0 = panels > 1 ? 1 : 0;
                    float[] want = filled(panels * kc * nr);
                    for (int q = p0; q < panels; q++) {
                        for (int p = 0; p < kc; p++) {
                            for (int j = 0; j < nr; j++) {
                                int col = jc + q * nr + j, row = pc + p;       // op(B)[row, col]
                                want[q * kc * nr + p * nr + j] = col >= jc + n ? 0f
                                        : transB ? b[bo + col * ldb + row] : b[bo + row * ldb + col];
                            }
                        }
                    }
                    String shape = (transB ? "Bᵀ" : "B") + " n " + n + " kc " + kc + " pc " + pc + " jc " + jc + " ldb " + ldb;
                    for (Panels layout : new Panels[] {scalar, vector}) {
                        float[] got = packB(layout, b, bo, ldb, transB, pc, kc, jc, jc + n, p0, panels);
                        assertArrayEquals(bits(want), bits(got), layout.getClass().getSimpleName() + ", " + shape);
                    }
                }
            }
        }
    }

    @Test
    void aPanelsHoldOpARowByRow() {
        SplittableRandom rng = new SplittableRandom(13);
        for (boolean transA : new boolean[] {false, true}) {
            for (int mcur : new int[] {1, mr - 1, mr, 4 * mr + 1, 16 * mr}) {
                for (int kc : new int[] {1, 7, 64}) {
                    int i0 = rng.nextInt(5), pc = rng.nextInt(4), ld = (transA ? i0 + mcur : pc + kc) + rng.nextInt(4);
                    int rows = transA ? pc + kc : i0 + mcur, ao = rng.nextInt(7);
                    float[] a = random(rng, ao + rows * ld);
                    int panels = (mcur + mr - 1) / mr;
                    float[] want = new float[panels * mr * kc];
                    for (int q = 0; q < panels; q++) {
                        for (int p = 0; p < kc; p++) {
                            for (int r = 0; r < mr; r++) {
                                int row = i0 + q * mr + r, col = pc + p;          // op(A)[row, col]
                                want[q * mr * kc + p * mr + r] = q * mr + r >= mcur ? 0f
                                        : transA ? a[ao + col * ld + row] : a[ao + row * ld + col];
                            }
                        }
                    }
                    for (Panels layout : new Panels[] {scalar, vector}) {
                        float[] got = filled(want.length);
                        layout.packA(got, a, ao, ld, transA, i0, mcur, pc, kc);
                        assertArrayEquals(bits(want), bits(got),
                                layout.getClass().getSimpleName() + ", " + (transA ? "Aᵀ" : "A") + " mcur " + mcur + " kc " + kc);
                    }
                }
            }
        }
    }

    // panels [p0, p1) of op(B)'s block (rows [pc, pc + kc), columns from jc, n columns in all) into a NaN-filled array
    private float[] packB(Panels layout, float[] b, int bo, int ldb, boolean transB, int pc, int kc, int jc, int n,
                          int p0, int p1) {
        float[] bp = filled(p1 * kc * nr);
        layout.packB(bp, b, bo, ldb, transB, pc, kc, jc, n, p0, p1);
        return bp;
    }

    private static float[] filled(int length) {
        float[] x = new float[length];
        Arrays.fill(x, Float.NaN);
        return x;
    }

    private static float[] random(SplittableRandom rng, int length) {
        float[] x = new float[length];
        for (int i = 0; i < length; i++) x[i] = (float) rng.nextGaussian();
        return x;
    }

    private static int[] bits(float[] x) {
        int[] out = new int[x.length];
        for (int i = 0; i < x.length; i++) out[i] = Float.floatToRawIntBits(x[i]);
        return out;
    }
}
