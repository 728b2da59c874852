package dev.kiln.api.rl;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** distinct-n by hand: n-grams pooled over completions, never across two of them. */
class DistinctNgramsTest {

    @Test
    void uniqueOverAllNgramsPooledOverCompletions() {
        List<int[]> c = List.of(new int[] {1, 2, 3, 1, 2}, new int[] {1, 2});
        assertEquals(3 / 7.0, DistinctNgrams.of(c, 1), 1e-12);    // 1 2 3 1 2 1 2: {1, 2, 3}
        assertEquals(3 / 5.0, DistinctNgrams.of(c, 2), 1e-12);    // 12 23 31 12 | 12: {12, 23, 31}; no "2 1" across the two
        assertEquals(1.0, DistinctNgrams.of(c, 3), 1e-12);        // 123 231 312; the second is too short
        assertEquals(0.0, DistinctNgrams.of(List.of(new int[] {4}), 2));
        assertEquals(0.1, DistinctNgrams.of(List.of(new int[] {7, 7, 7, 7, 7, 7, 7, 7, 7, 7}), 1), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> DistinctNgrams.of(c, 0));
    }
}
