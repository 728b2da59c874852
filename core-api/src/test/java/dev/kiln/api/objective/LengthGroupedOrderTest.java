package dev.kiln.api.objective;

import dev.kiln.api.data.Batch;
import dev.kiln.api.data.Batches;
import dev.kiln.api.data.Dataset;
import dev.kiln.api.data.Example;
import dev.kiln.api.tensor.IntTensor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LengthGroupedOrderTest {

    /** Lengths like SST-2 phrases: mostly short, a long tail. */
    private static int[] skewed(int n, long seed) {
        Random r = new Random(seed);
        int[] lengths = new int[n];
        for (int i = 0; i < n; i++) lengths[i] = 2 + (int) Math.min(60, Math.round(-12 * Math.log(1 - r.nextDouble())));
        return lengths;
    }

    @Test
    void everyExampleOncePerEpochAndTheLongestFirst() {
        int[] lengths = skewed(1000, 7);
        long[] order = LengthGroupedOrder.of(lengths, 8, 42);
        long[] sorted = order.clone();
        Arrays.sort(sorted);
        for (int i = 0; i < sorted.length; i++) assertEquals(i, sorted[i]);
        int longest = Arrays.stream(lengths).max().orElseThrow();
        assertEquals(longest, lengths[(int) order[0]]);
    }

    @Test
    void megaBatchesAreSortedLongestFirst() {
        int[] lengths = skewed(1000, 7);
        int batch = 8, mega = Math.min(1000 / (batch * 4), 50) * batch;      // 31 batches of 8 = 248, as transformers sizes it
        long[] order = LengthGroupedOrder.of(lengths, batch, 42);
        for (int from = 0; from < order.length; from += mega) {
            // position 0 of the first and the longest one's mega-batch were swapped; the rest is non-increasing
            for (int i = from + 2; i < Math.min(order.length, from + mega); i++)
                assertTrue(lengths[(int) order[i - 1]] >= lengths[(int) order[i]], "mega-batch at " + from + " not sorted at " + i);
        }
    }

    @Test
    void padsFarLessThanARandomOrder() {
        int[] lengths = skewed(4000, 3);
        int batch = 32;
        long[] grouped = LengthGroupedOrder.of(lengths, batch, 1);
        long[] random = new long[lengths.length];
        for (int i = 0; i < random.length; i++) random[i] = new dev.kiln.api.data.Permutation(lengths.length, 1).apply(i);
        long real = Arrays.stream(lengths).asLongStream().sum();
        double groupedEfficiency = (double) real / paddedTokens(grouped, lengths, batch);
        double randomEfficiency = (double) real / paddedTokens(random, lengths, batch);
        assertTrue(groupedEfficiency > 0.9, "grouped: " + groupedEfficiency);
        assertTrue(randomEfficiency < 0.5, "random: " + randomEfficiency);
    }

    @Test
    void sameSeedSameOrderOtherSeedAnother() {
        int[] lengths = skewed(500, 5);
        assertArrayEquals(LengthGroupedOrder.of(lengths, 4, 9), LengthGroupedOrder.of(lengths, 4, 9));
        assertNotEquals(Arrays.toString(LengthGroupedOrder.of(lengths, 4, 9)), Arrays.toString(LengthGroupedOrder.of(lengths, 4, 10)));
    }

    @Test
    void lengthGroupedBatchesHoldEveryExampleOnce() {
        int[] lengths = skewed(103, 11);
        List<Example> examples = new ArrayList<>();
        for (int i = 0; i < lengths.length; i++) examples.add(Example.text("x".repeat(lengths[i]), "mem:" + i));
        Dataset data = new Dataset("mem", examples);
        Batches batches = ExampleBatches.lengthGrouped(data, 10, false, 5, ex -> ex.text().length(),
                (rows, idx, rng) -> new Batch().put("idx", new IntTensor(Arrays.stream(idx).mapToInt(Math::toIntExact).toArray(), idx.length)));
        assertEquals(11, batches.size());
        boolean[] seen = new boolean[lengths.length];
        for (Batch b : batches.toList()) for (int i : b.ints("idx").data()) {
            assertTrue(!seen[i], "example " + i + " twice");
            seen[i] = true;
        }
        for (int i = 0; i < seen.length; i++) assertTrue(seen[i], "example " + i + " missing");
    }

    private static long paddedTokens(long[] order, int[] lengths, int batch) {
        long padded = 0;
        for (int from = 0; from < order.length; from += batch) {
            int to = Math.min(order.length, from + batch), max = 0;
            for (int i = from; i < to; i++) max = Math.max(max, lengths[(int) order[i]]);
            padded += (long) max * (to - from);
        }
        return padded;
    }
}
