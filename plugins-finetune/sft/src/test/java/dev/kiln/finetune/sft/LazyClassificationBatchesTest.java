package dev.kiln.finetune.sft;

import dev.kiln.api.testing.BatchFingerprints;
import dev.kiln.api.testing.CountingExamples;
import dev.kiln.api.data.Batch;
import dev.kiln.api.data.Batches;
import dev.kiln.api.data.Dataset;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.objective.BatchSpec;
import dev.kiln.api.testing.TestDatasets;
import dev.kiln.api.testing.TestTokenizers;
import dev.kiln.api.testing.WordTokenizer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Classification and regression make an epoch lazily: a batch reads only its own examples, batch k
 * made alone equals batch k of the whole epoch, the order is fixed by the seed, and label ids do
 * not depend on the order batches are made in, with the label pass done once, not per epoch.
 */
class LazyClassificationBatchesTest {
    static final TransformerConfig BERT = TransformerConfig.bert(TestTokenizers.BYTE_VOCAB, 16, 1, 2, 32);
    static final BatchSpec SPEC = new BatchSpec(8, 24);
    static final int N = 100;
    static final List<Map<String, Object>> CONFIGS = List.of(Map.of("labels", List.of("0", "1")), Map.of("task", "regression"));

    static Dataset data() { return CountingExamples.wrap(TestDatasets.labelled("lazy", N)); }

    @Test
    void batchKMadeAloneEqualsBatchKOfTheEpochAndReadsOnlyItsExamples() {
        for (Map<String, Object> cfg : CONFIGS) {
            Dataset d = data();
            CountingExamples reads = CountingExamples.of(d);
            List<String> epoch = BatchFingerprints.of(SftTest.sft(cfg, BERT, TestTokenizers.bytes()).batches(d, SPEC, 7));

            long before = reads.reads();
            Batches lazy = SftTest.sft(cfg, BERT, TestTokenizers.bytes()).batches(d, SPEC, 7);   // a fresh objective, as after a restart
            assertEquals(before, reads.reads(), cfg + ": making the epoch read examples");
            assertEquals(epoch.size(), lazy.size());
            for (long k : new long[] {lazy.size() - 1, 5, 0}) {
                long start = reads.reads();
                Batch b = lazy.get(k);
                assertEquals(epoch.get((int) k), BatchFingerprints.of(b), cfg + ": batch " + k + " made alone differs from the epoch's");
                assertEquals(b.ints("ids").dim(0), reads.reads() - start, cfg + ": batch " + k + " read examples that are not in it");
            }
        }
    }

    @Test
    void theOrderIsFixedBySeedAndDiffersBetweenSeeds() {
        for (Map<String, Object> cfg : CONFIGS) {
            List<String> a = BatchFingerprints.of(SftTest.sft(cfg, BERT, TestTokenizers.bytes()).batches(data(), SPEC, 7));
            assertEquals(a, BatchFingerprints.of(SftTest.sft(cfg, BERT, TestTokenizers.bytes()).batches(data(), SPEC, 7)), cfg + ": seed 7 twice");
            assertNotEquals(a, BatchFingerprints.of(SftTest.sft(cfg, BERT, TestTokenizers.bytes()).batches(data(), SPEC, 8)), cfg + ": seeds 7 and 8");
        }
    }

    @Test
    void labelIdsFollowFileOrderWhateverOrderBatchesAreMadeIn() {
        WordTokenizer tok = new WordTokenizer(SentimentTask.vocabulary());
        TransformerConfig model = TransformerConfig.bert(tok.vocabSize(), 16, 1, 2, 16);
        Dataset d = SentimentTask.generate("labels", 60, 4);
        List<String> firstSeen = d.examples().stream().map(e -> e.string("label")).distinct().toList();

        SequenceClassificationObjective forward = SftTest.sft(Map.of("num_labels", 3), model, tok);
        List<String> inOrder = BatchFingerprints.of(forward.batches(d, new BatchSpec(4, 16), 2));
        SequenceClassificationObjective backward = SftTest.sft(Map.of("num_labels", 3), model, tok);
        Batches lazy = backward.batches(d, new BatchSpec(4, 16), 2);
        List<String> reversed = new ArrayList<>();
        for (long k = lazy.size() - 1; k >= 0; k--) reversed.add(0, BatchFingerprints.of(lazy.get(k)));

        assertEquals(firstSeen, forward.labelNames());
        assertEquals(firstSeen, backward.labelNames(), "the last batch made first must not give its labels the first ids");
        assertEquals(inOrder, reversed);
    }

    @Test
    void theLabelPassIsDoneOncePerDatasetNotPerEpoch() {
        WordTokenizer tok = new WordTokenizer(SentimentTask.vocabulary());
        TransformerConfig model = TransformerConfig.bert(tok.vocabSize(), 16, 1, 2, 16);
        Dataset d = CountingExamples.wrap(SentimentTask.generate("labels", 60, 4));
        CountingExamples reads = CountingExamples.of(d);
        SequenceClassificationObjective o = SftTest.sft(Map.of("num_labels", 4), model, tok);   // 3 names: ids never all taken
        o.batches(d, new BatchSpec(4, 16), 1).toList();
        assertEquals(2L * d.size(), reads.reads(), "first epoch: one label pass in file order, then each example once");
        for (long epoch = 2; epoch <= 3; epoch++) {
            long start = reads.reads();
            o.batches(d, new BatchSpec(4, 16), epoch).toList();
            assertEquals(d.size(), reads.reads() - start, "epoch " + epoch + " re-read the labels");
        }
        List<String> names = new ArrayList<>(d.examples().stream().map(e -> e.string("label")).distinct().toList());
        names.add("3");
        assertEquals(names, o.labelNames());

        Dataset fixed = CountingExamples.wrap(SentimentTask.generate("labels", 60, 4));
        SftTest.sft(Map.of("labels", List.of("negative", "neutral", "positive")), model, tok).batches(fixed, new BatchSpec(4, 16), 1).toList();
        assertEquals(fixed.size(), CountingExamples.of(fixed).reads(), "with a labels list there is no label pass");
    }

    /** train.group_by_length: the same examples in the epoch, far less padding than the shuffled order, batch k alone = batch k. */
    @Test
    void groupByLengthHoldsTheSameExamplesWithLessPadding() {
        java.util.Random r = new java.util.Random(3);
        List<dev.kiln.api.data.Example> rows = new ArrayList<>();
        for (int i = 0; i < N; i++)                                 // 1 to 20 bytes: rows padded to a batch's longest
            rows.add(new dev.kiln.api.data.Example(Map.of("text", "ab".repeat(1 + r.nextInt(10)), "label", i % 2), "mem:" + (i + 1), null));
        Dataset d = new Dataset("varied", rows);
        BatchSpec grouped = new BatchSpec(8, 24, true);
        Batches shuffled = SftTest.sft(CONFIGS.get(0), BERT, TestTokenizers.bytes()).batches(d, SPEC, 7);
        Batches byLength = SftTest.sft(CONFIGS.get(0), BERT, TestTokenizers.bytes()).batches(d, grouped, 7);
        assertEquals(shuffled.size(), byLength.size());
        assertEquals(sortedRows(shuffled), sortedRows(byLength), "grouping must reorder the epoch, not change it");
        assertTrue(paddedPositions(byLength) < paddedPositions(shuffled),
                "grouped " + paddedPositions(byLength) + " padded positions vs shuffled " + paddedPositions(shuffled));
        List<String> epoch = BatchFingerprints.of(byLength);
        assertEquals(epoch.get(3), BatchFingerprints.of(SftTest.sft(CONFIGS.get(0), BERT, TestTokenizers.bytes()).batches(d, grouped, 7).get(3)));
    }

    /** Every row's real tokens (mask 1) and label, sorted: the epoch's content whatever its order. */
    private static List<String> sortedRows(Batches batches) {
        List<String> rows = new ArrayList<>();
        for (Batch b : batches.toList()) {
            int[] ids = b.ints("ids").data(), mask = b.ints("attention_mask").data(), labels = b.ints("labels").data();
            int width = b.ints("ids").dim(1);
            for (int r = 0; r < labels.length; r++) {
                StringBuilder sb = new StringBuilder().append(labels[r]).append(':');
                for (int t = 0; t < width; t++) if (mask[r * width + t] == 1) sb.append(ids[r * width + t]).append(',');
                rows.add(sb.toString());
            }
        }
        rows.sort(null);
        return rows;
    }

    private static long paddedPositions(Batches batches) {
        long padded = 0;
        for (Batch b : batches.toList()) for (int m : b.ints("attention_mask").data()) if (m == 0) padded++;
        return padded;
    }
}
