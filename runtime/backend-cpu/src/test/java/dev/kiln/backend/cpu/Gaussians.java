package dev.kiln.backend.cpu;

import java.util.SplittableRandom;

/** Test operands: n standard normal floats from a seed, the same on every run. */
final class Gaussians {
    private Gaussians() {}

    static float[] random(int seed, int n) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) r.nextGaussian();
        return x;
    }
}
