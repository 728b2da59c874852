package dev.kiln.objective.clm;

import dev.kiln.api.data.ArrayTokenDocuments;
import dev.kiln.api.data.Batch;
import dev.kiln.api.data.BatchRows;
import dev.kiln.api.data.Batches;
import dev.kiln.api.data.Dataset;
import dev.kiln.api.data.TokenDocuments;
import dev.kiln.api.objective.BatchSpec;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Data-parallel workers read only their own blocks of a prepared corpus, and together every block once an epoch. */
class ClmShardsTest {
    static final int WORLD = 3;
    static final BatchSpec SPEC = new BatchSpec(6, 4);

    /** A prepared corpus that counts the tokens read from it. */
    static final class CountingDocuments implements TokenDocuments {
        final TokenDocuments inner;
        long read;

        CountingDocuments(TokenDocuments inner) { this.inner = inner; }

        public long documentCount() { return inner.documentCount(); }
        public long tokenCount() { return inner.tokenCount(); }
        public long start(long doc) { return inner.start(doc); }

        public void read(long offset, int[] dst, int dstOffset, int length) {
            read += length;
            inner.read(offset, dst, dstOffset, length);
        }
    }

    static CountingDocuments corpus() {
        Dataset text = ClmObjectiveTest.docs("the quick brown fox jumps over the lazy dog", "and keeps running far away from home",
                "until the sun goes down over the hills", "then it sleeps");
        return new CountingDocuments(ArrayTokenDocuments.tokenize(text, ClmObjectiveTest.TOK));
    }

    static Batches epoch(CountingDocuments docs) {
        Dataset prepared = new Dataset("prepared", List.of(), docs);
        return ClmObjectiveTest.clm(Map.of("drop_last", true)).batches(prepared, SPEC, 7);   // shuffled blocks
    }

    @Test
    void eachWorkerGetsItsStridedRowsOfEveryGlobalBatch() {
        Batches whole = epoch(corpus());
        assertTrue(whole.size() >= 3, "the corpus makes several batches: " + whole.size());
        for (int r = 0; r < WORLD; r++) {
            Batches mine = whole.shard(r, WORLD);
            assertEquals(whole.size(), mine.size());
            for (long i = 0; i < whole.size(); i++) {
                Batch expected = BatchRows.strided(whole.get(i), r, WORLD), got = mine.get(i);
                assertArrayEquals(expected.ints("ids").data(), got.ints("ids").data(), "worker " + r + " batch " + i);
                assertArrayEquals(expected.ints("targets").data(), got.ints("targets").data());
                assertArrayEquals(new int[] {2, 4}, got.ints("ids").shape().dims());
                assertEquals(expected.tokens(), got.tokens());
            }
        }
    }

    @Test
    void workersReadOnlyTheirBlocksAndTogetherEveryBlockOncePerEpoch() {
        CountingDocuments all = corpus();
        Batches whole = epoch(all);
        List<String> epochRows = new ArrayList<>();
        for (long i = 0; i < whole.size(); i++) epochRows.addAll(rows(whole.get(i)));
        long wholeRead = all.read;

        List<String> workerRows = new ArrayList<>();
        long[] read = new long[WORLD];
        for (int r = 0; r < WORLD; r++) {
            CountingDocuments docs = corpus();
            Batches mine = epoch(docs).shard(r, WORLD);
            for (long i = 0; i < mine.size(); i++) workerRows.addAll(rows(mine.get(i)));
            read[r] = docs.read;
        }
        epochRows.sort(null);
        workerRows.sort(null);
        assertEquals(epochRows, workerRows, "the workers' blocks are the epoch's blocks, each once");
        assertEquals(wholeRead, Arrays.stream(read).sum(), "no block is read by two workers");
        for (int r = 0; r < WORLD; r++)
            assertTrue(read[r] <= wholeRead / WORLD + whole.size() * 5L, "worker " + r + " read " + read[r] + " of " + wholeRead + " tokens");
    }

    @Test
    void anUnevenSplitMakesEachWorkersRowsAndAWorkerWithoutRowsAPaddingRepeat() {
        Batches whole = epoch(corpus());
        for (int world : new int[] {4, 8}) {                          // 6 rows a batch: 2, 2, 1, 1; or 1 each and two padding
            for (int r = 0; r < world; r++) {
                Batch expected = BatchRows.strided(whole.get(0), r, world), got = epoch(corpus()).shard(r, world).get(0);
                assertArrayEquals(expected.ints("ids").data(), got.ints("ids").data(), "worker " + r + " of " + world);
                assertEquals(r >= 6, got.padding(), "worker " + r + " of " + world);
                assertEquals(r >= 6 ? 0 : 4L * BatchRows.count(6, r, world), got.tokens());
            }
        }
    }

    private static List<String> rows(Batch b) {
        int[] ids = b.ints("ids").data();
        int t = b.ints("ids").dim(1);
        List<String> out = new ArrayList<>();
        for (int r = 0; r < ids.length / t; r++) out.add(Arrays.toString(Arrays.copyOfRange(ids, r * t, r * t + t)));
        return out;
    }
}
