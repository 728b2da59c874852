package dev.kiln.backend.cpu.bench;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;

/**
 * The machine's fp32 FMA ceiling as Java reaches it: every thread runs chains of independent vector
 * fused multiply-adds (no loads or stores, enough chains to hide the FMA latency) for a fixed time; the
 * ceiling is 2 FLOPs × lanes × FMAs per second summed over the threads, the best of a few rounds.
 * {@code java --add-modules jdk.incubator.vector -cp ... FmaPeak [threads]}.
 * It is the bound a GEMM-bound step is measured against ("training reaches X% of the FMA ceiling").
 */
public final class FmaPeak {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    /** FMAs per loop turn per thread: 12 independent chains. */
    private static final int CHAINS = 12;
    /** Loop turns between clock reads. */
    private static final int TURNS = 1 << 16;

    private FmaPeak() {}

    public static void main(String[] args) throws InterruptedException {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : Runtime.getRuntime().availableProcessors();
        System.out.printf("fp32 FMA ceiling, %d thread%s, %d-bit vectors: %.1f GFLOP/s%n", threads,
                threads == 1 ? "" : "s", S.vectorBitSize(), gflops(threads, 5, 200));
    }

    /** The best of {@code rounds} rounds of {@code millis} ms each, in GFLOP/s, on {@code threads} threads. */
    public static double gflops(int threads, int rounds, long millis) throws InterruptedException {
        if (threads < 1 || rounds < 1 || millis < 1)
            throw new IllegalArgumentException("threads, rounds and millis must be positive");
        chains(TURNS, 1f);                                     // C2 compiles the loop before the first round
        for (int i = 0; i < 200; i++) chains(TURNS / 64, 1f);
        double best = 0;
        for (int r = 0; r < rounds; r++) best = Math.max(best, round(threads, millis));
        return best;
    }

    private static double round(int threads, long millis) throws InterruptedException {
        CyclicBarrier start = new CyclicBarrier(threads);
        double[] flops = new double[threads], secs = new double[threads];
        float[] sink = new float[threads];
        List<Thread> team = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            Thread th = new Thread(() -> {
                try {
                    start.await();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                long t0 = System.nanoTime(), until = t0 + millis * 1_000_000L, turns = 0;
                float acc = 0;
                long now;
                do {
                    acc += chains(TURNS, 1f + id * 1e-7f);
                    turns += TURNS;
                } while ((now = System.nanoTime()) < until);
                secs[id] = (now - t0) * 1e-9;
                flops[id] = 2.0 * S.length() * CHAINS * turns;
                sink[id] = acc;
            }, "kiln-fma-peak-" + t);
            team.add(th);
            th.start();
        }
        for (Thread th : team) th.join();
        double total = 0;
        for (int t = 0; t < threads; t++) total += flops[t] / secs[t];
        if (Float.isNaN(sink[0])) throw new IllegalStateException("FMA chains produced NaN");
        return total * 1e-9;
    }

    /** {@code turns} × 12 dependent-in-chain, independent-across-chain FMAs; returns a lane so none is dead code. */
    static float chains(int turns, float seed) {
        FloatVector a = FloatVector.broadcast(S, 0.999999f), b = FloatVector.broadcast(S, 1e-7f);
        FloatVector c0 = FloatVector.broadcast(S, seed), c1 = c0.add(1), c2 = c0.add(2), c3 = c0.add(3),
                c4 = c0.add(4), c5 = c0.add(5), c6 = c0.add(6), c7 = c0.add(7), c8 = c0.add(8), c9 = c0.add(9),
                c10 = c0.add(10), c11 = c0.add(11);
        for (int i = 0; i < turns; i++) {
            c0 = c0.fma(a, b);
            c1 = c1.fma(a, b);
            c2 = c2.fma(a, b);
            c3 = c3.fma(a, b);
            c4 = c4.fma(a, b);
            c5 = c5.fma(a, b);
            c6 = c6.fma(a, b);
            c7 = c7.fma(a, b);
            c8 = c8.fma(a, b);
            c9 = c9.fma(a, b);
            c10 = c10.fma(a, b);
            c11 = c11.fma(a, b);
        }
        return c0.add(c1).add(c2).add(c3).add(c4).add(c5).add(c6).add(c7).add(c8).add(c9).add(c10).add(c11)
                .lane(0);
    }
}
