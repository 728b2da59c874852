package dev.kiln.api.nn;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.tensor.Tensor;

import java.util.Random;

/** Parameter initializers (seeded, deterministic). */
public final class Init {
    private Init() {}

    /** N(0, std²) values of the given shape. */
    public static Tensor normal(Backend be, Random rng, float std, int... dims) {
        int n = 1;
        for (int d : dims) n *= d;
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (rng.nextGaussian() * std);
        return Tensor.of(be, v, dims);
    }

    public static Tensor zeros(Backend be, int... dims) {
        return Tensor.zeros(be, dims);
    }

    public static Tensor ones(Backend be, int... dims) {
        return Tensor.full(be, 1f, dims);
    }
}
