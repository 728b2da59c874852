package dev.kiln.finetune.sft;

import dev.kiln.api.completion.PieceEncoder;
import dev.kiln.api.testing.BatchFingerprints;
import dev.kiln.api.testing.CountingExamples;
import dev.kiln.api.data.Batch;
import dev.kiln.api.data.Batches;
import dev.kiln.api.data.Dataset;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.objective.BatchSpec;
import dev.kiln.api.testing.WordTokenizer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * task: instruction makes an epoch lazily: a batch reads only its own examples, batch k made alone
 * (as a resumed run makes it) equals batch k of the whole epoch, and the order is fixed by the
 * seed. Padded and packed.
 */
class LazyInstructionBatchesTest {
    static final WordTokenizer WORDS = new WordTokenizer(InstructionTask.vocabulary());
    static final TransformerConfig GPT = TransformerConfig.gpt2(WORDS.vocabSize(), 16, 1, 2, 32);
    static final BatchSpec SPEC = new BatchSpec(4, 32);
    static final int N = 200;

    static InstructionObjective objective(boolean packing) {
        return InstructionFixtures.instruction(Map.of("packing", packing), GPT, WORDS);
    }

    static InstructionObjective objective(boolean packing, boolean shuffle) {
        return InstructionFixtures.instruction(Map.of("packing", packing, "shuffle", shuffle), GPT, WORDS);
    }

    static Dataset data() { return CountingExamples.wrap(InstructionTask.generate("lazy", N, 3)); }

    @Test
    void paddedBatchKMadeAloneEqualsBatchKOfTheEpochAndReadsOnlyItsExamples() {
        randomAccess(false);
    }

    @Test
    void packedBatchKMadeAloneEqualsBatchKOfTheEpochAndReadsOnlyItsExamples() {
        randomAccess(true);
    }

    private static void randomAccess(boolean packing) {
        Dataset d = data();
        CountingExamples reads = CountingExamples.of(d);
        List<String> epoch = BatchFingerprints.of(objective(packing).batches(d, SPEC, 7));

        InstructionObjective resumed = objective(packing);                   // a fresh objective, as after a restart
        long before = reads.reads();
        Batches lazy = resumed.batches(d, SPEC, 7);
        long atCreation = reads.reads() - before;
        if (packing) assertTrue(atCreation <= PackedEpoch.SAMPLE, "making the epoch read " + atCreation + " examples, more than the sample");
        else assertEquals(0, atCreation, "making the epoch read examples");
        assertEquals(epoch.size(), lazy.size());
        assertTrue(lazy.size() > 3, "several batches: " + lazy.size());

        for (long k : new long[] {lazy.size() - 1, lazy.size() / 2, 1, 0}) {                  // out of order, last first
            long start = reads.reads();
            Batch b = lazy.get(k);
            assertEquals(epoch.get((int) k), BatchFingerprints.of(b), "batch " + k + " made alone differs from batch " + k + " of the epoch");
            assertEquals(examplesIn(b, packing), reads.reads() - start, "batch " + k + " read examples that are not in it");
        }
    }

    /** Examples in a batch: its rows (padded) or its segments (packed). */
    private static long examplesIn(Batch b, boolean packing) {
        if (!packing) return b.ints("ids").dim(0);
        int[] seg = b.ints("segments").data();
        long n = 0;
        for (int i = 0; i < seg.length; i++) if (seg[i] != 0 && (i == 0 || seg[i - 1] != seg[i])) n++;
        return n;
    }

    @Test
    void anEpochReadsEveryExampleOnce() {
        for (boolean packing : new boolean[] {false, true}) {
            Dataset d = data();
            objective(packing).batches(d, SPEC, 3).toList();
            long sample = packing ? Math.min(N, PackedEpoch.SAMPLE) : 0;
            assertEquals(N + sample, CountingExamples.of(d).reads(), "packing " + packing);
        }
    }

    @Test
    void packedWindowsHoldEveryExampleOnceInAboutBatchSizeRows() {
        InstructionObjective o = objective(true);
        Dataset d = data();
        Map<String, Integer> expected = new HashMap<>(), seen = new HashMap<>();
        for (PieceEncoder.Encoded e : o.encode(d, SPEC.seqLen())) expected.merge(Arrays.toString(Arrays.copyOf(e.ids(), e.length() - 1)), 1, Integer::sum);
        List<Batch> batches = o.batches(d, SPEC, 5).toList();
        int window = PackedEpoch.window(d.examples(), SPEC.batchSize(), SPEC.seqLen(), ex -> o.encode(ex, SPEC.seqLen()));
        assertEquals((N + window - 1) / window, batches.size());
        long rows = 0;
        for (Batch b : batches) {
            int r = b.ints("ids").dim(0), width = b.ints("ids").dim(1);
            assertTrue(r <= window, r + " rows from a window of " + window + " examples");
            rows += r;
            int[] ids = b.ints("ids").data(), seg = b.ints("segments").data();
            for (int i = 0; i < ids.length; ) {
                if (seg[i] == 0) { i++; continue; }
                int start = i;
                while (i < ids.length && seg[i] == seg[start] && i / width == start / width) i++;
                seen.merge(Arrays.toString(Arrays.copyOfRange(ids, start, i)), 1, Integer::sum);
            }
        }
        assertEquals(expected, seen, "every example packed exactly once in the epoch");
        double perBatch = (double) rows / batches.size();
        System.out.printf("packed epoch: %d examples, window %d, %d batches, %.2f rows per batch (batch_size %d)%n",
                N, window, batches.size(), perBatch, SPEC.batchSize());
        assertTrue(perBatch >= SPEC.batchSize() - 1 && perBatch <= SPEC.batchSize() + 1, "rows per batch " + perBatch + " vs batch_size " + SPEC.batchSize());
    }

    @Test
    void withoutShuffleBatchesAreConsecutiveExamplesInFileOrder() {
        Dataset d = data();
        InstructionObjective padded = objective(false, false);
        List<PieceEncoder.Encoded> all = padded.encode(d, SPEC.seqLen());
        assertEquals(BatchFingerprints.of(InstructionBatches.padded(all.subList(4, 8), WORDS.requireSpecial("[PAD]"))),
                BatchFingerprints.of(padded.batches(d, SPEC, 9).get(1)));
        InstructionObjective packed = objective(true, false);
        int window = PackedEpoch.window(d.examples(), SPEC.batchSize(), SPEC.seqLen(), ex -> packed.encode(ex, SPEC.seqLen()));
        int windows = (N + window - 1) / window;                           // balanced windows: [⌊w·n/c⌋, ⌊(w+1)·n/c⌋)
        assertEquals(BatchFingerprints.of(InstructionBatches.packed(all.subList(N / windows, 2 * N / windows), SPEC.seqLen(), WORDS.requireSpecial("[PAD]"))),
                BatchFingerprints.of(packed.batches(d, SPEC, 9).get(1)));
    }

    @Test
    void theOrderIsFixedBySeedAndDiffersBetweenSeeds() {
        for (boolean packing : new boolean[] {false, true}) {
            List<String> a = BatchFingerprints.of(objective(packing).batches(data(), SPEC, 7));
            List<String> again = BatchFingerprints.of(objective(packing).batches(data(), SPEC, 7));
            List<String> other = BatchFingerprints.of(objective(packing).batches(data(), SPEC, 8));
            assertEquals(a, again, "packing " + packing + ": seed 7 twice");
            assertNotEquals(a, other, "packing " + packing + ": seeds 7 and 8 gave the same epoch");
            if (packing) {
                List<String> sortedA = new ArrayList<>(a), sortedOther = new ArrayList<>(other);
                sortedA.sort(null);
                sortedOther.sort(null);
                assertEquals(sortedA, sortedOther, "the epoch seed orders the windows; what is packed together does not depend on it");
            }
        }
    }
}
