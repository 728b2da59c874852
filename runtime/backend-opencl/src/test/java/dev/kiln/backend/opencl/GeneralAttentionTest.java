package dev.kiln.backend.opencl;

import dev.kiln.api.backend.AttentionSpec;
import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.tensor.Storage;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The general attention path (taken when tk or headDim exceed local memory) against the naive oracle. */
@Tag("gpu")
class GeneralAttentionTest {

    @Test
    void generalPathMatchesNaive() {
        try (OpenClBackend be = OpenClTestSupport.backendOrSkip()) {
            be.useGeneralAttention(true);
            assertGeneralPathMatchesNaive(be);
        }
    }

    /** On be (its general path switched on): causal, with a padding mask, without a window and with one. */
    static void assertGeneralPathMatchesNaive(OpenClBackend be) {
        NaiveBackend ref = new NaiveBackend();
        AttentionSpec plain = AttentionSpec.contiguous(2, 4, 2, 9, 11, 8, true);
        for (AttentionSpec s : new AttentionSpec[] {plain, plain.withWindow(3)}) {   // and a sliding window
            int[] mask = new int[2 * 11];
            for (int i = 0; i < mask.length; i++) mask[i] = i % 5 == 0 ? 0 : 1;
            float[] q = rand(1, s.batch() * s.tq() * 4 * 8), k = rand(2, 2 * 11 * 2 * 8), v = rand(3, 2 * 11 * 2 * 8);
            float[] g = rand(4, s.outSize());
            float[][] want = run(ref, s, q, k, v, g, mask), got = run(be, s, q, k, v, g, mask);
            for (int t = 0; t < want.length; t++) {
                for (int i = 0; i < want[t].length; i++) {
                    assertTrue(Math.abs(want[t][i] - got[t][i]) <= 1e-4 + 1e-4 * Math.abs(want[t][i]),
                            "window " + s.window() + " output #" + t + " element " + i + ": " + got[t][i] + ", expected " + want[t][i]);
                }
            }
        }
    }

    static float[][] run(dev.kiln.api.backend.Backend b, AttentionSpec s, float[] q, float[] k, float[] v, float[] g, int[] mask) {
        Storage qs = b.upload(q), ks = b.upload(k), vs = b.upload(v), out = b.allocate(s.outSize()), p = b.allocate(s.probsSize());
        Storage gq = b.allocate(q.length), gk = b.allocate(k.length), gv = b.allocate(v.length);
        b.attention(s, qs, ks, vs, mask, null, out, p);
        b.attentionBackward(s, qs, ks, vs, p, b.upload(g), gq, gk, gv);
        return new float[][] {b.download(out), b.download(p), b.download(gq), b.download(gk), b.download(gv)};
    }

    static float[] rand(long seed, int n) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) (r.nextDouble() * 2 - 1);
        return x;
    }
}
