package dev.kiln.objective.dae;

import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class TextNoiseTest {
    static final int MASK = 1000, SPECIAL = 1001, VOCAB = 1002;

    static TextNoise noise(double mask, double replace, double delete, double infill, double permute, double rotate) {
        return new TextNoise(new TextNoise.Rates(mask, replace, delete, infill, 3.0, permute, rotate), MASK, VOCAB, id -> id >= MASK);
    }

    static int[] range(int from, int n) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) a[i] = from + i;
        return a;
    }

    @Test
    void noNoiseIsTheIdentity() {
        List<int[]> doc = List.of(range(0, 5), range(5, 4));
        assertArrayEquals(range(0, 9), noise(0, 0, 0, 0, 0, 0).corrupt(doc, new Random(1)));
    }

    @Test
    void tokenMaskingAndReplacementKeepLengthAndHitTheirRates() {
        int[] x = new int[20000];
        for (int i = 0; i < x.length; i++) x[i] = i % MASK;
        int[] masked = noise(0.3, 0, 0, 0, 0, 0).maskTokens(x, 0.3, new Random(1));
        assertEquals(x.length, masked.length);
        long m = Arrays.stream(masked).filter(t -> t == MASK).count();
        assertEquals(0.3, m / 20000.0, 0.02);
        int[] replaced = noise(0, 0.2, 0, 0, 0, 0).replaceTokens(x, 0.2, new Random(2));
        long changed = 0;
        for (int i = 0; i < x.length; i++) {
            if (replaced[i] != x[i]) changed++;
            assertTrue(replaced[i] < MASK, "a replacement must be an ordinary token");
        }
        assertEquals(0.2, changed / 20000.0, 0.02);
    }

    @Test
    void specialTokensAreNeverCorrupted() {
        int[] x = new int[200];
        Arrays.fill(x, SPECIAL);
        TextNoise n = noise(1, 1, 1, 1, 0, 0);
        assertArrayEquals(x, n.maskTokens(x, 1, new Random(1)));
        assertArrayEquals(x, n.replaceTokens(x, 1, new Random(1)));
        assertArrayEquals(x, n.deleteTokens(x, 1, new Random(1)));
        assertArrayEquals(x, n.infill(x, 1, 3, new Random(1)));
    }

    @Test
    void deletionRemovesTokensKeepingOrder() {
        int[] y = noise(0, 0, 0.5, 0, 0, 0).deleteTokens(range(0, 1000), 0.5, new Random(3));
        assertEquals(500, y.length, 60);
        for (int i = 1; i < y.length; i++) assertTrue(y[i] > y[i - 1]);
    }

    @RepeatedTest(20)
    void infillingReplacesEachSpanWithOneMaskAndCoversTheBudget(org.junit.jupiter.api.RepetitionInfo rep) {
        int[] x = range(0, 100);
        int[] y = noise(0, 0, 0, 0.3, 0, 0).infill(x, 0.3, 3.0, new Random(rep.getCurrentRepetition()));
        long kept = Arrays.stream(y).filter(t -> t != MASK).count();
        assertTrue(100 - kept <= 30 && 100 - kept >= 20, "covered " + (100 - kept) + " tokens, budget 30");
        // the kept tokens are the original ones, in order
        int last = -1;
        for (int t : y) if (t != MASK) { assertTrue(t > last); last = t; }
        // far fewer masks than covered tokens: each span (mean length 3) became one [MASK]
        long masks = Arrays.stream(y).filter(t -> t == MASK).count();
        assertTrue(masks < 100 - kept || 100 - kept == 0, masks + " masks for " + (100 - kept) + " covered tokens");
    }

    @Test
    void zeroLengthSpansInsertAMask() {
        // λ = 0: every span is empty, so infilling only inserts masks and keeps every token
        int[] x = range(0, 50);
        int[] y = noise(0, 0, 0, 0.2, 0, 0).infill(x, 0.2, 0.0, new Random(5));
        assertEquals(50 + 10, y.length, "10 empty spans → 10 inserted masks");
        assertArrayEquals(x, Arrays.stream(y).filter(t -> t != MASK).toArray());
    }

    @Test
    void poissonHasMeanLambda() {
        Random r = new Random(9);
        double sum = 0;
        int zeros = 0;
        for (int i = 0; i < 20000; i++) { int k = TextNoise.poisson(3.0, r); sum += k; if (k == 0) zeros++; }
        assertEquals(3.0, sum / 20000, 0.06);
        assertEquals(Math.exp(-3), zeros / 20000.0, 0.01);
    }

    @Test
    void sentencePermutationPermutesWholeSentences() {
        List<int[]> doc = new ArrayList<>();
        for (int s = 0; s < 6; s++) doc.add(range(10 * s, 3));
        boolean moved = false;
        for (int seed = 0; seed < 5; seed++) {
            List<int[]> p = TextNoise.permuteSentences(doc, 1.0, new Random(seed));
            assertEquals(6, p.size());
            assertEquals(6, p.stream().distinct().count(), "each sentence exactly once");
            moved |= p.get(0) != doc.get(0) || p.get(1) != doc.get(1);
        }
        assertTrue(moved);
        assertSame(doc, TextNoise.permuteSentences(doc, 0.0, new Random(1)));
    }

    @Test
    void rotationStartsAtARandomTokenAndWraps() {
        int[] x = range(0, 10);
        int[] y = TextNoise.rotate(x, 1.0, new Random(4));
        assertNotEquals(0, y[0]);
        assertEquals(y[0] == 0 ? 9 : y[0] - 1, y[9]);
        int[] sorted = y.clone();
        Arrays.sort(sorted);
        assertArrayEquals(x, sorted);
        assertArrayEquals(x, TextNoise.rotate(x, 0.0, new Random(4)));
    }

    @Test
    void sentencesSplitAfterFullStopsAndConcatenateBack() {
        String text = "One fish. Two fish!  Red fish?\nBlue fish";
        List<String> s = Sentences.split(text);
        assertEquals(List.of("One fish. ", "Two fish!  ", "Red fish?\n", "Blue fish"), s);
        assertEquals(text, String.join("", s));
        assertEquals(List.of("v1.2 is out."), Sentences.split("v1.2 is out."));
    }
}
