package dev.kiln.api.data;

import org.junit.jupiter.api.Test;

import java.util.BitSet;

import static org.junit.jupiter.api.Assertions.*;

/** The table-free shuffle: a bijection, fixed by its seed, and usable at sizes no array could hold. */
class PermutationTest {

    @Test
    void isABijectionForEverySizeUpToAThousand() {
        for (int n = 0; n <= 1000; n++) {
            Permutation p = new Permutation(n, n * 31L);
            BitSet seen = new BitSet(n);
            for (int i = 0; i < n; i++) {
                long v = p.apply(i);
                assertTrue(v >= 0 && v < n, "in range");
                assertFalse(seen.get((int) v), "n=" + n + ": " + v + " twice");
                seen.set((int) v);
            }
            assertEquals(n, seen.cardinality());
        }
    }

    @Test
    void theSeedFixesTheOrderAndDifferentSeedsDiffer() {
        Permutation a = new Permutation(10_000, 1), b = new Permutation(10_000, 1), c = new Permutation(10_000, 2);
        int same = 0, fixedPoints = 0;
        for (int i = 0; i < 10_000; i++) {
            assertEquals(a.apply(i), b.apply(i));
            if (a.apply(i) == c.apply(i)) same++;
            if (a.apply(i) == i) fixedPoints++;
        }
        assertTrue(same < 50, "another seed gives another order: " + same + " positions agree");
        assertTrue(fixedPoints < 50, "the order is shuffled: " + fixedPoints + " fixed points");
    }

    @Test
    void looksUniformlyShuffled() {
        // where the first tenth of positions lands: each tenth of the range should get about 10%
        int n = 100_000;
        Permutation p = new Permutation(n, 42);
        int[] buckets = new int[10];
        for (int i = 0; i < n / 10; i++) buckets[(int) (p.apply(i) * 10 / n)]++;
        for (int b : buckets) assertEquals(1000, b, 150, "bucket counts " + java.util.Arrays.toString(buckets));
    }

    @Test
    void shufflesATrillionPositionsWithoutATable() {
        long n = 1_000_000_000_000L;
        Permutation p = new Permutation(n, 7);
        long x = p.apply(n - 1), y = p.apply(0);
        assertTrue(x >= 0 && x < n && y >= 0 && y < n && x != y);
        assertThrows(IndexOutOfBoundsException.class, () -> p.apply(n));
    }
}
