package dev.kiln.backend.cpu.bench;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.tensor.Storage;
import dev.kiln.backend.cpu.CpuBackend;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Square SGEMM throughput: {@code java --add-modules jdk.incubator.vector -cp ... SgemmBench [threads] [sizes...]}.
 * Plain System.nanoTime with warm-up; reports the median of the timed repeats.
 */
public final class SgemmBench {
    private SgemmBench() {}

    public static void main(String[] args) {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : Runtime.getRuntime().availableProcessors();
        int[] sizes = args.length > 1 ? Arrays.stream(args, 1, args.length).mapToInt(Integer::parseInt).toArray()
                : new int[] {512, 1024, 2048};
        try (Backend b = new CpuBackend(threads)) {
            System.out.println(b.description());
            for (int n : sizes) {
                int reps = n <= 512 ? 30 : n <= 1024 ? 10 : 4;
                System.out.printf("sgemm %4d^3: %6.1f GFLOP/s%n", n, gflops(b, n, reps));
            }
        }
    }

    /** Median GFLOP/s of {@code reps} timed n×n×n products on {@code b}, after warm-up runs. */
    public static double gflops(Backend b, int n, int reps) {
        SplittableRandom r = new SplittableRandom(n);
        float[] a = new float[n * n], w = new float[n * n];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) r.nextDouble(-1, 1);
            w[i] = (float) r.nextDouble(-1, 1);
        }
        Storage sa = b.upload(a), sb = b.upload(w), sc = b.allocate(n * n);
        long warmUntil = System.nanoTime() + 1_000_000_000L;
        int warm = 0;
        while (warm < 3 || (System.nanoTime() < warmUntil && warm < 50)) {
            b.matmul(sa, sb, sc, 1, n, n, n, false, false, 0, 0, 0, 1f, false);
            b.synchronize();
            warm++;
        }
        double[] secs = new double[Math.max(1, reps)];
        for (int i = 0; i < secs.length; i++) {
            long t0 = System.nanoTime();
            b.matmul(sa, sb, sc, 1, n, n, n, false, false, 0, 0, 0, 1f, false);
            b.synchronize();   // a device backend only queues the product
            secs[i] = (System.nanoTime() - t0) * 1e-9;
        }
        Arrays.sort(secs);
        return 2.0 * n * n * n / secs[secs.length / 2] * 1e-9;
    }
}
