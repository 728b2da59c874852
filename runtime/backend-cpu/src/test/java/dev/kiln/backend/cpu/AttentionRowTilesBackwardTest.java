package dev.kiln.backend.cpu;

import dev.kiln.api.backend.AttentionSpec;
import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.tensor.Storage;
import dev.kiln.api.testing.RequiredInCi;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The row-tile attention backward keeps one dS per head in a per-thread buffer and reads it transposed, six keys at a
 * time, for dK. A key tile can reach past the keys a query tile's dS rows were computed for (tk = tq + 1: rows 24-29
 * see keys up to 31, the key tile 30-35 starts at row 29), so those entries must be written as zeros, not left from an
 * earlier call with another geometry. The conformance suite runs each case on fresh buffers; this runs a long
 * sequence first, on the same thread, then that geometry, against the naive backend.
 */
class AttentionRowTilesBackwardTest {
    @Test
    void keyTilesPastAQueryTilesKeysReadZerosNotAnEarlierCallsGradients() {
        try (CpuBackend cpu = new CpuBackend(1)) {
            RequiredInCi.require(MicroKernel.best().readsUnpacked(), "the Vector API micro-kernel (row tiles) is not in use on this JVM/CPU");
            Backend naive = new NaiveBackend();
            run(cpu, naive, AttentionSpec.contiguous(1, 2, 2, 128, 128, 32, false), 1);      // fills the dS buffer
            float[][] got = run(cpu, naive, AttentionSpec.contiguous(2, 2, 1, 40, 41, 32, true), 2);
            float[][] want = run(naive, naive, AttentionSpec.contiguous(2, 2, 1, 40, 41, 32, true), 2);
            String[] names = {"gq", "gk", "gv"};
            for (int t = 0; t < 3; t++) {
                assertEquals(want[t].length, got[t].length);
                for (int i = 0; i < want[t].length; i++)
                    assertTrue(Math.abs(want[t][i] - got[t][i]) <= 2e-5 + 1e-4 * Math.abs(want[t][i]),
                            names[t] + "[" + i + "] = " + got[t][i] + ", the naive backend's " + want[t][i]);
            }
        }
    }

    // forward on the naive backend (its probabilities), backward on b; returns gq, gk, gv
    private static float[][] run(Backend b, Backend naive, AttentionSpec s, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int nq = s.batch() * s.tq() * s.qHeads() * s.headDim(), nk = s.batch() * s.tk() * s.kvHeads() * s.headDim();
        float[] q = random(r, nq), k = random(r, nk), v = random(r, nk), gOut = random(r, nq);
        Storage probs = naive.allocate(s.probsSize()), out = naive.allocate(nq);
        naive.attention(s, naive.upload(q), naive.upload(k), naive.upload(v), null, null, out, probs);
        Storage gq = b.allocate(nq), gk = b.allocate(nk), gv = b.allocate(nk);
        b.attentionBackward(s, b.upload(q), b.upload(k), b.upload(v), b.upload(naive.download(probs)), b.upload(gOut), gq, gk, gv);
        return new float[][] {b.download(gq), b.download(gk), b.download(gv)};
    }

    private static float[] random(SplittableRandom r, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) r.nextDouble(-2, 2);
        return x;
    }
}
