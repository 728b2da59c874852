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

    @Override
    void packRowsPanel(float[] bp, int base, float[] b, int src, int ldb, int kc) {
        for (int p = 0; p < kc; p++) {
            int s = src + p * ldb, d = base + p * nr;
            ExactVector.CLASS.cast(FloatVector.fromArray(S, b, s)).intoArray(bp, d);
            ExactVector.CLASS.cast(FloatVector.fromArray(S, b, s + L)).intoArray(bp, d + L);
        }
    }
}
