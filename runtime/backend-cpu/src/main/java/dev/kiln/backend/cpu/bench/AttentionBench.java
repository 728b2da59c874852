package dev.kiln.backend.cpu.bench;

import dev.kiln.api.backend.AttentionSpec;
import dev.kiln.api.backend.Backend;
import dev.kiln.api.tensor.Storage;
import dev.kiln.backend.cpu.CpuBackend;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Attention forward + backward on the cpu backend, the probability path ({@link Backend#attention}: keeps
 * [B, H, T, T] from forward to backward) against the statistics path the attention op uses
 * ({@link Backend#attentionWithStats}: keeps a logsumexp [B, H, T], recomputes probabilities block by block):
 * {@code java --add-modules jdk.incubator.vector -cp ... AttentionBench [threads] [batch] [heads] [seq] [headDim] [reps]}
 * (default GPT-2's layer at T = 512, causal). Prints the bytes kept between forward and backward and the
 * median seconds of forward + backward, in alternating runs.
 */
public final class AttentionBench {
    private AttentionBench() {}

    public static void main(String[] args) {
        int[] a = {Runtime.getRuntime().availableProcessors(), 4, 12, 512, 64, 7};
        for (int i = 0; i < Math.min(args.length, a.length); i++) a[i] = Integer.parseInt(args[i]);
        int threads = a[0], batch = a[1], heads = a[2], seq = a[3], d = a[4], reps = a[5];
        AttentionSpec spec = AttentionSpec.contiguous(batch, heads, heads, seq, seq, d, true);
        try (Backend b = new CpuBackend(threads)) {
            System.out.printf("%s; B %d, H %d, T %d, D %d, causal%n", b.description(), batch, heads, seq, d);
            int n = spec.outSize();
            Storage q = rand(b, 1, n), k = rand(b, 2, n), v = rand(b, 3, n), gOut = rand(b, 4, n);
            Storage out = b.allocate(n), gq = b.allocate(n), gk = b.allocate(n), gv = b.allocate(n);
            long[] kept = {4L * spec.probsSize(), 4L * b.attentionStatsSize(spec)};
            double[][] secs = new double[2][reps];
            for (int i = -2; i < reps; i++) {   // two warm-up rounds
                for (int m = 0; m < 2; m++) {
                    long t0 = System.nanoTime();
                    Storage kept0 = b.allocate(m == 0 ? spec.probsSize() : b.attentionStatsSize(spec));
                    if (m == 0) {
                        b.attention(spec, q, k, v, null, null, out, kept0);
                        b.attentionBackward(spec, q, k, v, kept0, gOut, gq, gk, gv);
                    } else {
                        b.attentionWithStats(spec, q, k, v, null, null, out, kept0);
                        b.attentionBackwardFromStats(spec, q, k, v, null, null, kept0, gOut, gq, gk, gv);
                    }
                    if (i >= 0) secs[m][i] = (System.nanoTime() - t0) * 1e-9;
                }
            }
            String[] names = {"probabilities kept (attention)", "logsumexp kept (attentionWithStats)"};
            for (int m = 0; m < 2; m++) {
                Arrays.sort(secs[m]);
                System.out.printf("%-38s %,13d bytes kept per layer  %8.4f s fwd+bwd (median of %d)%n",
                        names[m], kept[m], secs[m][reps / 2], reps);
            }
        }
    }

    private static Storage rand(Backend b, long seed, int n) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) r.nextDouble(-1, 1);
        return b.upload(x);
    }
}
