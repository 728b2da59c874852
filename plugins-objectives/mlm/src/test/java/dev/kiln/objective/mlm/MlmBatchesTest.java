package dev.kiln.objective.mlm;

import dev.kiln.api.testing.BatchFingerprints;
import dev.kiln.api.testing.CountingExamples;
import dev.kiln.api.testing.CountingTokens;
import dev.kiln.api.data.SeparatedStream;
import dev.kiln.api.data.ArrayTokenDocuments;
import dev.kiln.api.data.Batch;
import dev.kiln.api.data.Batches;
import dev.kiln.api.data.Dataset;
import dev.kiln.api.objective.BatchSpec;
import dev.kiln.api.testing.TestTokenizers;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** Lazy epochs: batch i is made alone, from the documents (or stream blocks) it needs, the same every time. */
class MlmBatchesTest {
    static final int CLS = 259, SEP = 260;
    static final BatchSpec SPEC = new BatchSpec(4, 16);
    static final List<Map<String, Object>> LAYOUTS = List.of(Map.of(), Map.of("pack", true),
            Map.of("whole_word", true, "span", true), Map.of("pack", true, "whole_word", true, "shuffle", false));

    /** 60 documents of five generated sentences (≈ 120 bytes: about nine chunks of 14 each). */
    static Dataset corpus() { return MlmLearnsTest.sentences("c", 60, 3); }

    static Dataset prepared(Dataset text) {
        return new Dataset(text.name(), CountingExamples.refusing(text.examples()), new CountingTokens(ArrayTokenDocuments.tokenize(text, MlmObjectiveTest.TOK)));
    }

    @Test
    void batchKAloneEqualsTheKthBatchOfTheWholeEpoch() {
        Dataset data = corpus();
        for (Map<String, Object> cfg : LAYOUTS) {
            List<Batch> epoch = MlmObjectiveTest.mlm(cfg).batches(data, SPEC, 7).toList();
            Batches fresh = MlmObjectiveTest.mlm(cfg).batches(data, SPEC, 7);
            assertEquals(epoch.size(), fresh.size());
            for (long k = fresh.size() - 1; k >= 0; k -= 3)         // backwards and skipping: no batch depends on the ones before
                assertEquals(BatchFingerprints.of(epoch.get((int) k)), BatchFingerprints.of(fresh.get(k)), cfg + " batch " + k);
        }
    }

    @Test
    void perDocumentBatchesReadOnlyTheirOwnDocuments() {
        Dataset data = CountingExamples.wrap(corpus());
        CountingExamples examples = CountingExamples.of(data);
        Batches batches = MlmObjectiveTest.mlm(Map.of()).batches(data, SPEC, 3);
        assertEquals(0, examples.reads(), "making the epoch read documents");
        assertEquals(15, batches.size(), "one row per document: 60 documents in batches of 4");
        batches.get(11);
        assertEquals(4, examples.reads(), "batch 11 read more than its 4 documents");
    }

    @Test
    void batchesOfAPreparedCorpusReadOnlyTheirOwnTokens() {
        for (Map<String, Object> cfg : List.of(Map.<String, Object>of(), Map.<String, Object>of("pack", true))) {
            Dataset data = prepared(corpus());
            CountingTokens tokens = (CountingTokens) data.tokens();
            Batches batches = MlmObjectiveTest.mlm(cfg).batches(data, SPEC, 3);
            assertEquals(0, tokens.tokensRead(), cfg + ": making the epoch read tokens");
            batches.get(batches.size() / 2);
            assertTrue(tokens.tokensRead() > 0 && tokens.tokensRead() <= 4 * 14,
                    cfg + ": a batch of 4 rows of at most 14 tokens read " + tokens.tokensRead() + " tokens");
        }
    }

    @Test
    void theSameSeedGivesTheSameBatchesAndAnotherSeedOthers() {
        Dataset data = corpus();
        for (Map<String, Object> cfg : LAYOUTS) {
            List<String> a = BatchFingerprints.of(MlmObjectiveTest.mlm(cfg).batches(data, SPEC, 7));
            assertEquals(a, BatchFingerprints.of(MlmObjectiveTest.mlm(cfg).batches(data, SPEC, 7)), cfg + ": seed 7 twice");
            assertNotEquals(a, BatchFingerprints.of(MlmObjectiveTest.mlm(cfg).batches(data, SPEC, 8)), cfg + ": seeds 7 and 8");
        }
    }

    @Test
    void aPreparedCorpusGivesTheBatchesOfItsText() {
        // the byte tokenizer encodes a document as its parts' concatenation, so the token ids are the same either way
        Dataset text = corpus(), tokens = prepared(text);
        for (Map<String, Object> cfg : LAYOUTS)
            assertEquals(BatchFingerprints.of(MlmObjectiveTest.mlm(cfg).batches(text, SPEC, 5)), BatchFingerprints.of(MlmObjectiveTest.mlm(cfg).batches(tokens, SPEC, 5)),
                    cfg.toString());
    }

    @Test
    void theSeparatedStreamPutsOneSeparatorAfterEveryDocumentButTheLast() {
        SeparatedStream stream = new SeparatedStream(ArrayTokenDocuments.of(new int[] {1, 2}, new int[0], new int[] {3, 4, 5}), 9);
        assertEquals(7, stream.length());
        int[] all = new int[7], middle = new int[4];
        stream.read(0, all, 0, 7);
        assertArrayEquals(new int[] {1, 2, 9, 9, 3, 4, 5}, all, "an empty document leaves two separators side by side");
        stream.read(2, middle, 0, 4);
        assertArrayEquals(new int[] {9, 9, 3, 4}, middle);
    }

    @Test
    void packedRowsAreStreamBlocksThatNeverStartWithTheJoiningSeparator() {
        // T = 4 → blocks of 2 over 1 2 SEP SEP 3 4 5: [1 2] [SEP SEP] [3 4] [5]
        PackedRows rows = new PackedRows(ArrayTokenDocuments.of(new int[] {1, 2}, new int[0], new int[] {3, 4, 5}), TestTokenizers.bytes(), 4);
        assertEquals(4, rows.count());
        Random unused = new Random(0);
        assertArrayEquals(new int[] {CLS, 1, 2, SEP}, rows.row(0, unused));
        assertArrayEquals(new int[] {CLS, SEP}, rows.row(1, unused), "separators only: nothing to predict");
        assertArrayEquals(new int[] {CLS, 3, 4, SEP}, rows.row(2, unused));
        assertArrayEquals(new int[] {CLS, 5, SEP}, rows.row(3, unused));
    }
}
