package dev.kiln.api.objective;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class AccuracyTest {

    @Test
    void countsArgmaxMatchesAndSkipsIgnoredRows() {
        float[] logits = {0, 5, 1, /* row 1 */ 3, 0, 0, /* row 2 */ 0, 0, 9};
        assertArrayEquals(new int[] {1, 0, 2}, Accuracy.argmax(logits, 3, 3));
        Accuracy.Counts c = Accuracy.of(logits, new int[] {1, 2, -100}, 3, -100);
        assertEquals(1, c.correct());
        assertEquals(2, c.counted());
        assertEquals(0.5, c.rate());
        assertEquals(0.0, Accuracy.of(logits, new int[] {-100, -100, -100}, 3, -100).rate());
    }

    @Test
    void tiesGoToTheFirstClass() {
        assertArrayEquals(new int[] {0, 1}, Accuracy.argmax(new float[] {2, 2, 1, 0, 3, 3}, 2, 3));
    }
}
