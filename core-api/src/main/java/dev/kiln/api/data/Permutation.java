package dev.kiln.api.data;

import dev.kiln.api.backend.CounterRng;

/**
 * A seeded pseudo-random permutation of {@code [0, n)} that needs no table: a four-round Feistel
 * network over the smallest even power of two ≥ n, with cycle walking back into range. Position
 * i of the shuffled order is {@link #apply(long) apply(i)}, in O(1) memory, so an epoch over
 * billions of blocks or documents is shuffled without a copy and a resumed run can start at any
 * position. The same (n, seed) always gives the same order.
 */
public final class Permutation {
    private static final int ROUNDS = 4;
    private final long n;
    private final int halfBits;
    private final long halfMask;
    private final long[] keys = new long[ROUNDS];

    public Permutation(long n, long seed) {
        if (n < 0) throw new IllegalArgumentException("permutation size must be >= 0, got " + n);
        this.n = n;
        int bits = Math.max(2, 64 - Long.numberOfLeadingZeros(Math.max(1, n - 1)));
        if ((bits & 1) == 1) bits++;
        this.halfBits = bits / 2;
        this.halfMask = (1L << halfBits) - 1;
        long k = seed;
        for (int r = 0; r < ROUNDS; r++) keys[r] = k = CounterRng.mix(k + 0x9e3779b97f4a7c15L);
    }

    public long size() { return n; }

    /** The element at position {@code i} of the shuffled order. */
    public long apply(long i) {
        if (i < 0 || i >= n) throw new IndexOutOfBoundsException("position " + i + " of a permutation of " + n);
        long x = i;
        do x = encrypt(x); while (x >= n);      // cycle walking: the domain is < 4n, so a few rounds at most on average
        return x;
    }

    private long encrypt(long x) {
        long left = x >>> halfBits, right = x & halfMask;
        for (long key : keys) {
            long next = left ^ (CounterRng.mix(right ^ key) & halfMask);
            left = right;
            right = next;
        }
        return (left << halfBits) | right;
    }
}
