package dev.kiln.backend.opencl.bench;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.BinaryOp;
import dev.kiln.api.backend.UnaryOp;
import dev.kiln.api.tensor.Storage;

import java.util.Arrays;
import java.util.Map;

/**
 * What a launch costs the host: microseconds per call to queue a bias-style broadcast add ([16, 64] + [1, 64], a
 * launch with shape metadata) and a ReLU (none), on tensors small enough that the device is never the bottleneck,
 * then the time to drain the queue. Five rounds of 20,000 calls each; the summary is the median of the last three.
 * When the host takes longer per call than the device does per kernel, small shapes are host-bound.
 * Usage: {@code LaunchBench [device]}; a blank or {@code -} device is the default one (GPU first).
 */
public final class LaunchBench {
    static final int ROUNDS = 5, CALLS = 20_000, ROWS = 16, COLS = 64;

    private LaunchBench() {}

    public static void main(String[] args) {
        try (Backend be = BenchBackends.open(BenchBackends.device(args), Map.of())) {
            System.out.println(be.description());
            Storage x = be.upload(new float[ROWS * COLS]), bias = be.upload(new float[COLS]), y = be.allocate(ROWS * COLS);
            int[] full = {ROWS, COLS}, row = {1, COLS};
            double[] add = new double[ROUNDS], relu = new double[ROUNDS];
            for (int r = 0; r < ROUNDS; r++) {
                long t0 = System.nanoTime();
                for (int i = 0; i < CALLS; i++) be.binary(BinaryOp.ADD, x, full, bias, row, y, full);
                long t1 = System.nanoTime();
                be.synchronize();
                long t2 = System.nanoTime();
                for (int i = 0; i < CALLS; i++) be.unary(UnaryOp.RELU, x, y, ROWS * COLS, 0f);
                long t3 = System.nanoTime();
                be.synchronize();
                long t4 = System.nanoTime();
                add[r] = (t1 - t0) / 1e3 / CALLS;
                relu[r] = (t3 - t2) / 1e3 / CALLS;
                System.out.printf("round %d: broadcast add %6.2f µs/call, then drained in %6.1f ms; relu %6.2f µs/call, drained in %6.1f ms%n",
                        r + 1, add[r], (t2 - t1) / 1e6, relu[r], (t4 - t3) / 1e6);
            }
            System.out.printf("launch cost on the host (median of rounds 3-%d): broadcast add %.2f µs, relu %.2f µs%n",
                    ROUNDS, lastMedian(add), lastMedian(relu));
        }
    }

    /** The median of the last three values. */
    static double lastMedian(double[] v) {
        double[] last = Arrays.copyOfRange(v, v.length - 3, v.length);
        Arrays.sort(last);
        return last[1];
    }
}
