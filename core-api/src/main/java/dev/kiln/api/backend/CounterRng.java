package dev.kiln.api.backend;

/** A counter-based random stream (SplitMix64 finalizer): value i of stream seed, with no state. */
public final class CounterRng {
    private CounterRng() {}

    public static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    /** Uniform in [0, 1) with 24 random bits: exactly representable as a float. */
    public static float uniform(long seed, long i) {
        long bits = mix(seed * 0x9e3779b97f4a7c15L + i + 0x632be59bd9b4e019L);
        return (bits >>> 40) * 0x1.0p-24f;
    }
}
