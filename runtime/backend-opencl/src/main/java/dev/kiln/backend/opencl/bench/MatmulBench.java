package dev.kiln.backend.opencl.bench;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.tensor.Storage;

import java.util.Map;

/**
 * GFLOP/s of device-resident matmul (C = A·B, and the two transposed variants backward uses) at
 * 512 and 1024 (or the sizes given) on the chosen OpenCL device. Data stays on the device; the timed loop
 * ends with {@code synchronize()}, so all launches have finished. Usage: {@code MatmulBench [device] [sizes...]};
 * a blank or {@code -} device is the default one (GPU first).
 */
public final class MatmulBench {
    private MatmulBench() {}

    public static void main(String[] args) {
        String device = BenchBackends.device(args);
        int[] sizes = {512, 1024};
        if (args.length > 1) {
            sizes = new int[args.length - 1];
            for (int i = 1; i < args.length; i++) sizes[i - 1] = Integer.parseInt(args[i]);
        }
        try (Backend be = BenchBackends.open(device, Map.of())) {
            System.out.println(be.description());
            for (int n : sizes) {
                for (int variant = 0; variant < 3; variant++) {
                    boolean ta = variant == 2, tb = variant == 1;
                    System.out.printf("matmul %4d×%4d×%4d %-6s %8.2f GFLOP/s%n", n, n, n,
                            ta ? "Aᵀ·B" : tb ? "A·Bᵀ" : "A·B", gflops(be, n, ta, tb));
                }
            }
        }
    }

    static double gflops(Backend be, int n, boolean ta, boolean tb) {
        float[] a = new float[n * n];
        for (int i = 0; i < a.length; i++) a[i] = (i % 7) * 0.1f;
        Storage x = be.upload(a), y = be.upload(a), c = be.allocate(n * n);
        be.matmul(x, y, c, 1, n, n, n, ta, tb, 0, 0, 0, 1f, false);  // warm-up
        be.synchronize();
        int reps = 1;
        double seconds;
        do {
            long t0 = System.nanoTime();
            for (int r = 0; r < reps; r++) be.matmul(x, y, c, 1, n, n, n, ta, tb, 0, 0, 0, 1f, false);
            be.synchronize();
            seconds = (System.nanoTime() - t0) / 1e9;
            reps *= 2;
        } while (seconds < 1.0 && reps < 1024);
        return 2.0 * n * n * n * (reps / 2) / seconds / 1e9;
    }
}
