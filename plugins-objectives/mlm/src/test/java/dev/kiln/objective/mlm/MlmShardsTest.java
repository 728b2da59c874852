package dev.kiln.objective.mlm;

import dev.kiln.api.data.Batch;
import dev.kiln.api.data.BatchRows;
import dev.kiln.api.data.Batches;
import dev.kiln.api.data.Dataset;
import dev.kiln.api.objective.BatchSpec;
import dev.kiln.api.testing.CountingTokens;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Data-parallel workers make only their rows of each mlm batch (rows rank, rank + world, …): each row draws its
 * chunk and its masking from a stream of its own, and a worker pads to the whole batch's longest row by reading
 * the other rows' lengths, not their tokens. So a worker's rows are the whole batch's rows, bit for bit.
 */
class MlmShardsTest {
    static final int WORLD = 3;
    static final BatchSpec SPEC = new BatchSpec(6, 32);

    /** 90 documents of 3 to 70 bytes: long ones are cut into chunks (a draw per row), short ones padded (widths vary). */
    static Dataset corpus() {
        Random rng = new Random(5);
        String[] texts = new String[90];
        for (int d = 0; d < texts.length; d++) {
            StringBuilder sb = new StringBuilder();
            int n = 3 + rng.nextInt(68);
            while (sb.length() < n) sb.append((char) ('a' + rng.nextInt(26))).append(rng.nextInt(4) == 0 ? " " : "");
            texts[d] = sb.substring(0, n);
        }
        return MlmBatchesTest.prepared(MlmObjectiveTest.docs(texts));
    }

    /** The layout with drop_last: a last batch of fewer rows would not split evenly over the workers. */
    static Map<String, Object> evenly(Map<String, Object> layout) {
        Map<String, Object> cfg = new java.util.HashMap<>(layout);
        cfg.put("drop_last", true);
        return cfg;
    }

    @Test
    void eachWorkerMakesExactlyItsStridedRowsOfTheWholeBatch() {
        for (Map<String, Object> layout : MlmBatchesTest.LAYOUTS) {
            Map<String, Object> cfg = evenly(layout);
            Batches whole = MlmObjectiveTest.mlm(cfg).batches(corpus(), SPEC, 11);
            assertTrue(whole.size() >= 5, cfg + ": several batches: " + whole.size());
            Set<Integer> widths = new TreeSet<>();
            for (int r = 0; r < WORLD; r++) {
                Batches mine = MlmObjectiveTest.mlm(cfg).batches(corpus(), SPEC, 11).shard(r, WORLD);
                assertEquals(whole.size(), mine.size());
                for (long i = 0; i < whole.size(); i++) {
                    Batch expected = BatchRows.strided(whole.get(i), r, WORLD), got = mine.get(i);
                    for (String key : List.of("ids", "labels", "attention_mask")) {
                        assertArrayEquals(expected.ints(key).shape().dims(), got.ints(key).shape().dims(), cfg + " worker " + r + " batch " + i);
                        assertArrayEquals(expected.ints(key).data(), got.ints(key).data(), cfg + " worker " + r + " batch " + i + " " + key);
                    }
                    assertEquals(Arrays.stream(got.ints("attention_mask").data()).sum(), got.tokens(), "a worker counts its own real tokens");
                    widths.add(got.ints("ids").dim(1));
                }
            }
            if (!cfg.containsKey("pack")) assertTrue(widths.size() > 1, cfg + ": the batches pad to different widths: " + widths);
        }
    }

    @Test
    void workersReadOnlyTheirOwnRowsTokens() {
        for (Map<String, Object> layout : List.<Map<String, Object>>of(Map.of(), Map.of("pack", true))) {
            Map<String, Object> cfg = evenly(layout);
            Dataset all = corpus();
            Batches whole = MlmObjectiveTest.mlm(cfg).batches(all, SPEC, 11);
            for (long i = 0; i < whole.size(); i++) whole.get(i);
            long wholeRead = ((CountingTokens) all.tokens()).tokensRead(), sum = 0;
            for (int r = 0; r < WORLD; r++) {
                Dataset data = corpus();
                Batches mine = MlmObjectiveTest.mlm(cfg).batches(data, SPEC, 11).shard(r, WORLD);
                long own = 0;     // the tokens between [CLS] and [SEP] of the worker's rows
                for (long i = 0; i < mine.size(); i++) own += Arrays.stream(mine.get(i).ints("attention_mask").data()).sum() - 2L * SPEC.batchSize() / WORLD;
                long read = ((CountingTokens) data.tokens()).tokensRead();
                if (cfg.containsKey("pack")) {
                    // a packed row also reads the joining [SEP]s it drops, and the worker probes each other row's first tokens
                    // (the [SEP]s joining documents inside a row are the stream's, not read from the corpus)
                    long slack = mine.size() * (long) SPEC.batchSize() * 2;
                    assertTrue(read <= own + slack, cfg + ": worker " + r + " read " + read + ", its rows hold " + own);
                } else {
                    assertEquals(own, read, cfg + ": worker " + r + " reads exactly its rows' chunks");
                }
                assertTrue(read < wholeRead / 2, cfg + ": worker " + r + " read " + read + " of the epoch's " + wholeRead);
                sum += read;
            }
            if (!cfg.containsKey("pack")) assertEquals(wholeRead, sum, "no chunk is read by two workers");
        }
    }
}
