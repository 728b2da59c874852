package dev.kiln.objective.nsp;

import dev.kiln.api.testing.BatchFingerprints;
import dev.kiln.api.testing.CountingExamples;
import dev.kiln.api.data.ArrayTokenDocuments;
import dev.kiln.api.data.Batch;
import dev.kiln.api.data.Batches;
import dev.kiln.api.data.Dataset;
import dev.kiln.api.data.TokenDocuments;
import dev.kiln.api.objective.BatchSpec;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.*;

/** Lazy epochs: batch i is made alone, from its own documents and the few its NotNext sentences come from, the same every time. */
class NspBatchesTest {
    static final BatchSpec SPEC = new BatchSpec(4, 16);

    /** 60 documents of six sentences ("kkk 1. kkk 2. ..."). */
    static Dataset corpus() { return NspLearnsTest.documents("c", 60, 12, 3); }

    @Test
    void batchKAloneEqualsTheKthBatchOfTheWholeEpoch() {
        Dataset data = corpus();
        for (Map<String, Object> cfg : List.<Map<String, Object>>of(Map.of(), Map.of("shuffle", false, "next_prob", 0.3))) {
            List<Batch> epoch = NspObjectiveTest.nsp(cfg).batches(data, SPEC, 7).toList();
            Batches fresh = NspObjectiveTest.nsp(cfg).batches(data, SPEC, 7);
            assertEquals(15, fresh.size(), "one pair per document: 60 documents in batches of 4");
            for (long k = fresh.size() - 1; k >= 0; k -= 3)         // backwards and skipping: no batch depends on the ones before
                assertEquals(BatchFingerprints.of(epoch.get((int) k)), BatchFingerprints.of(fresh.get(k)), cfg + " batch " + k);
        }
    }

    @Test
    void aBatchReadsItsOwnDocumentsAndOneOtherPerNotNextPair() {
        for (double nextProb : new double[] {1.0, 0.0}) {
            CountingExamples examples = new CountingExamples(corpus().examples());
            Batches batches = NspObjectiveTest.nsp(Map.of("next_prob", nextProb)).batches(new Dataset("c", examples), SPEC, 3);
            assertEquals(0, examples.reads(), "making the epoch read documents");
            batches.get(9);
            assertEquals(nextProb == 1.0 ? 4 : 8, examples.reads(), "next_prob " + nextProb + ": documents read for batch 9");
        }
    }

    @Test
    void theSameSeedGivesTheSameBatchesAndAnotherSeedOthers() {
        Dataset data = corpus();
        for (Map<String, Object> cfg : List.<Map<String, Object>>of(Map.of(), Map.of("shuffle", false))) {
            List<String> a = BatchFingerprints.of(NspObjectiveTest.nsp(cfg).batches(data, SPEC, 7));
            assertEquals(a, BatchFingerprints.of(NspObjectiveTest.nsp(cfg).batches(data, SPEC, 7)), cfg + ": seed 7 twice");
            assertNotEquals(a, BatchFingerprints.of(NspObjectiveTest.nsp(cfg).batches(data, SPEC, 8)), cfg + ": seeds 7 and 8");
        }
    }

    @Test
    void aPreparedCorpusGivesTheBatchesOfItsTextWithoutReadingItsTokens() {
        // sentences are found in text and encoded alone, so nsp reads the text even when the documents come tokenized
        Dataset text = corpus();
        TokenDocuments ids = ArrayTokenDocuments.tokenize(text, NspObjectiveTest.TOK);
        TokenDocuments unreadable = new TokenDocuments() {
            public long documentCount() { return ids.documentCount(); }
            public long tokenCount() { return ids.tokenCount(); }
            public long start(long doc) { return ids.start(doc); }
            public void read(long offset, int[] dst, int dstOffset, int length) { throw new AssertionError("nsp read token ids"); }
        };
        Dataset prepared = new Dataset(text.name(), text.examples(), unreadable);
        assertEquals(BatchFingerprints.of(NspObjectiveTest.nsp(Map.of()).batches(text, SPEC, 5)), BatchFingerprints.of(NspObjectiveTest.nsp(Map.of()).batches(prepared, SPEC, 5)));
    }

    @Test
    void overEpochsEverySentenceWithASuccessorIsDrawnAsA() {
        Set<String> seen = new TreeSet<>();
        for (long seed = 1; seed <= 40; seed++) {
            Batch b = NspObjectiveTest.nsp(Map.of("next_prob", 1.0)).prepare(NspObjectiveTest.docs("S1. S2. S3. S4."), SPEC, seed).get(0);
            seen.add(NspObjectiveTest.text(b, 0).replace("[PAD]", ""));
        }
        assertEquals(Set.of("[CLS]S1.[SEP]S2.[SEP]", "[CLS]S2.[SEP]S3.[SEP]", "[CLS]S3.[SEP]S4.[SEP]"), seen);
    }

    @Test
    void withASingleDocumentNotNextTakesANonAdjacentSentenceOfIt() {
        for (long seed = 1; seed <= 20; seed++) {
            Batch b = NspObjectiveTest.nsp(Map.of("next_prob", 0.0)).prepare(NspObjectiveTest.docs("S1. S2. S3. S4."), SPEC, seed).get(0);
            String[] parts = NspObjectiveTest.text(b, 0).replace("[PAD]", "").replace("[CLS]", "").split("\\[SEP\\]");
            int a = parts[0].charAt(1) - '0', other = parts[1].charAt(1) - '0';
            assertEquals(1, b.ints("labels").get(0));
            assertTrue(other != a && other != a + 1, "B " + parts[1] + " is A " + parts[0] + " or its successor");
        }
    }

    @Test
    void aDocumentWithoutTwoSentencesLendsItsRowToOneThatHasThem() {
        Batch b = NspObjectiveTest.nsp(Map.of("next_prob", 1.0, "shuffle", false))
                .prepare(NspObjectiveTest.docs("Only one.", "A one. A two."), new BatchSpec(4, 32), 1).get(0);
        assertEquals(2, b.ints("labels").size());
        assertEquals("[CLS]A one.[SEP]A two.[SEP]", NspObjectiveTest.text(b, 0));
        assertEquals("[CLS]A one.[SEP]A two.[SEP]", NspObjectiveTest.text(b, 1));
    }

    @Test
    void withoutAnyDocumentOfTwoSentencesABatchFailsSayingSo() {
        Batches batches = NspObjectiveTest.nsp(Map.of()).batches(NspObjectiveTest.docs("One.", "Two"), SPEC, 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> batches.get(0));
        assertTrue(e.getMessage().contains("objective 'nsp'") && e.getMessage().contains("two sentences"), e.getMessage());
    }
}
