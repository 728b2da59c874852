package dev.kiln.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link Panels} for the Vector API kernel, whose panels are two vectors wide: a whole panel of an untransposed B is
 * copied a row of two vectors at a time. Against {@code System.arraycopy} per row of nr floats (AMD EPYC Zen 4, one
 * thread): 1.4–1.5× faster for small's [1024, 256], 2.3–2.7× for GPT-2's [768, 2304] and small's LM head
 * [256, 8192]; small's step products 4–6% faster (bench/JOURNAL.md, eighteenth session). Each loaded vector is cast
 * to its class ({@link ExactVector}) before it is stored: in a JVM that also used other vector shapes, C2 otherwise
 * resolved the store from a type profile holding two classes, its intrinsic failed and every vector was boxed
 * (small's input and weight gradients 9–36% slower than with no other shape; {@code OtherVectorShapesTest}). A 16 × 16
 * transpose in registers for a transposed B ran 4–6× slower than {@link Panels}' scalar loop: on JDK 17, C2 stopped
 * inlining its rearranges and blends partway through, and the rest boxed.
 */
final class VectorPanels extends Panels {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    VectorPanels(int mr, int nr) {
        super(mr, nr);
        if (nr != 2 * L) throw new IllegalArgumentException("panels of two " + L + "-lane vectors, not " + nr + " floats");
    }

    /**
     * An untransposed B's whole panels in the order that reads its rows fastest: 3 to {@link #ROW_BY_ROW_PANELS}
     * panels one stored row at a time (each row read as one run, written to every panel), wider blocks
     * {@link #ROW_GROUP} rows at a time (each panel's piece of the group's rows, then the next panel), one or two
     * panel by panel. One thread, sources out of the caches, against panel by panel (AMD EPYC Zen 4): small's dW
     * operands X [1024, 256] and the LM head's W block [1024, 256] 9.9–10.4 → 16.7–18.2 GB/s row by row, a
     * [1024, 1024] or GPT-2's [1024, 768] and [768, 2048 of 3072] 10.0–11.4 → 16.3–20.7 in groups of 8 rows, which row
     * by row reached only 11.6–14.0; attention's two panels of 64 floats 15.0 panel by panel, 11.3 row by row
     * (bench/JOURNAL.md, twenty-seventh session). The same floats land in the same places whatever the order.
     */
    @Override
    void packB(float[] bp, float[] b, int bo, int ldb, boolean transB, int pc, int kc, int jc, int n, int p0, int p1) {
        int whole = Math.min(p1, Math.max(p0, (n - jc) / nr));     // panels [p0, whole) are nr columns wide
        int panels = whole - p0;
        if (transB || panels <= 2) {
            super.packB(bp, b, bo, ldb, transB, pc, kc, jc, n, p0, p1);
            return;
        }
        int src = bo + pc * ldb + jc + p0 * nr, dst = p0 * kc * nr;
        if (panels <= ROW_BY_ROW_PANELS) packRowByRow(bp, dst, b, src, ldb, kc, panels);
        else packInRowGroups(bp, dst, b, src, ldb, kc, panels);
        if (whole < p1) super.packB(bp, b, bo, ldb, false, pc, kc, jc, n, whole, p1);
    }

    private static final int ROW_BY_ROW_PANELS = 16, ROW_GROUP = 8;

    // panels [0, panels) of [kc][nr] from bp[dst] (kc·nr floats apart) = rows of b from src, row by row
    private void packRowByRow(float[] bp, int dst, float[] b, int src, int ldb, int kc, int panels) {
        int panelFloats = kc * nr;
        for (int p = 0; p < kc; p++) {
            for (int q = 0, s = src + p * ldb, d = dst + p * nr; q < panels; q++, s += nr, d += panelFloats) copyRow(bp, d, b, s);
        }
    }

    // the same panels, ROW_GROUP rows at a time: each panel's piece of the group's rows, then the next panel's
    private void packInRowGroups(float[] bp, int dst, float[] b, int src, int ldb, int kc, int panels) {
        int panelFloats = kc * nr;
        for (int p0 = 0; p0 < kc; p0 += ROW_GROUP) {
            int p1 = Math.min(kc, p0 + ROW_GROUP);
            for (int q = 0; q < panels; q++) {
                for (int p = p0, s = src + p0 * ldb + q * nr, d = dst + q * panelFloats + p0 * nr; p < p1; p++, s += ldb, d += nr) {
                    copyRow(bp, d, b, s);
                }
            }
        }
    }

    // bp[d, d + nr) = b[s, s + nr), two vectors
    private static void copyRow(float[] bp, int d, float[] b, int s) {
        ExactVector.CLASS.cast(FloatVector.fromArray(S, b, s)).intoArray(bp, d);
        ExactVector.CLASS.cast(FloatVector.fromArray(S, b, s + L)).intoArray(bp, d + L);
    }

    @Override
    void packRowsPanel(float[] bp, int base, float[] b, int src, int ldb, int kc) {
        for (int p = 0; p < kc; p++) {
            int s = src + p * ldb, d = base + p * nr;
            ExactVector.CLASS.cast(FloatVector.fromArray(S, b, s)).intoArray(bp, d);
            ExactVector.CLASS.cast(FloatVector.fromArray(S, b, s + L)).intoArray(bp, d + L);
        }
    }
}
