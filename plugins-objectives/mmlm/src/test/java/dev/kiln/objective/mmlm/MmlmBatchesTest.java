package dev.kiln.objective.mmlm;

import dev.kiln.api.testing.CountingExamples;
import dev.kiln.api.testing.BatchFingerprints;
import dev.kiln.api.data.ArrayTokenDocuments;
import dev.kiln.api.data.Batch;
import dev.kiln.api.data.Batches;
import dev.kiln.api.data.Dataset;
import dev.kiln.api.data.Example;
import dev.kiln.api.objective.BatchSpec;
import dev.kiln.api.objective.Objective;
import dev.kiln.api.testing.TestDatasets;
import dev.kiln.api.testing.TestTokenizers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static dev.kiln.objective.mmlm.MmlmObjectiveTest.mmlm;
import static org.junit.jupiter.api.Assertions.*;

/** Lazy epochs: random access, nothing read up front, seeded, the same from token documents; the bounded feature cache. */
class MmlmBatchesTest {
    static final Map<String, Object> CFG = Map.of("image_size", 8, "patch_size", 4, "mask_prob", 0.3, "feature_mask_prob", 0.5);
    static final BatchSpec SPEC = new BatchSpec(3, 24);

    /** {@code n} captioned PNGs (the contract's sample texts, cycled). */
    static List<Example> captioned(Path dir, int n) throws Exception {
        List<Example> texts = TestDatasets.texts("sample", n).examples(), out = new ArrayList<>();
        Random rng = new Random(1);
        for (int i = 0; i < n; i++) {
            Media.shapes(dir.resolve("img" + i + ".png"), 8, 1 + i % 3, i % 4, i % 3, rng);
            out.add(new Example(Map.of("text", texts.get(i).text(), "image", "img" + i + ".png"), "d.jsonl:" + (i + 1), dir));
        }
        return out;
    }

    @Test
    void batchKIsTheKthOfTheEpochAndMakingTheEpochReadsNoExample(@TempDir Path dir) throws Exception {
        CountingExamples examples = new CountingExamples(captioned(dir, 10));
        Objective o = mmlm(CFG);
        Batches lazy = o.batches(new Dataset("d", examples), SPEC, 5);
        assertEquals(0, examples.reads(), "making the epoch read examples");
        assertEquals(4, lazy.size(), "⌈10 / 3⌉ batches");
        Batch second = lazy.get(2);
        assertEquals(SPEC.batchSize(), examples.reads(), "one batch reads its own examples only");
        List<String> all = BatchFingerprints.of(o.batches(new Dataset("d", examples), SPEC, 5));
        assertEquals(all.get(2), BatchFingerprints.of(second));
        for (int k = all.size() - 1; k >= 0; k--) assertEquals(all.get(k), BatchFingerprints.of(lazy.get(k)), "batch " + k);
        assertEquals(List.of(3, 3, 3, 1), all.stream().map(f -> f.split("ids\\[")[1].split(",")[0]).map(Integer::parseInt).toList());
    }

    @Test
    void batchesAreDeterministicPerSeedAndDifferAcrossSeedsEvenInFileOrder(@TempDir Path dir) throws Exception {
        Dataset d = new Dataset("d", captioned(dir, 10));
        assertEquals(BatchFingerprints.of(mmlm(CFG).batches(d, SPEC, 7)), BatchFingerprints.of(mmlm(CFG).batches(d, SPEC, 7)));
        assertNotEquals(BatchFingerprints.of(mmlm(CFG).batches(d, SPEC, 7)), BatchFingerprints.of(mmlm(CFG).batches(d, SPEC, 8)));
        Map<String, Object> ordered = new java.util.HashMap<>(CFG);
        ordered.put("shuffle", false);
        List<String> a = BatchFingerprints.of(mmlm(ordered).batches(d, SPEC, 7)), b = BatchFingerprints.of(mmlm(ordered).batches(d, SPEC, 8));
        assertNotEquals(a, b, "masks come from the seed even without shuffling");
        for (int k = 0; k < a.size(); k++)
            assertEquals(a.get(k).split("features")[1], b.get(k).split("features")[1], "same examples in file order, batch " + k);
    }

    @Test
    void aTokenizedDatasetGivesTheSameBatchesAndItsTokensAreWhatIsRead(@TempDir Path dir) throws Exception {
        List<Example> examples = captioned(dir, 10);
        Dataset text = new Dataset("d", examples);
        ArrayTokenDocuments tokens = ArrayTokenDocuments.tokenize(text, TestTokenizers.bytes());
        assertEquals(BatchFingerprints.of(mmlm(CFG).batches(text, SPEC, 3)), BatchFingerprints.of(mmlm(CFG).batches(new Dataset("d", examples, tokens), SPEC, 3)));
        List<Example> otherText = new ArrayList<>();
        for (Example ex : examples) otherText.add(new Example(Map.of("text", "ignored", "image", ex.string("image")), ex.source(), dir));
        assertEquals(BatchFingerprints.of(mmlm(CFG).batches(text, SPEC, 3)), BatchFingerprints.of(mmlm(CFG).batches(new Dataset("d", otherText, tokens), SPEC, 3)),
                "a tokenized dataset's text comes from its token documents");
    }

    @Test
    void theFeatureCacheIsBoundedAndDropsTheLeastRecentlyUsed(@TempDir Path dir) throws Exception {
        FeatureSource source = FeatureSource.images(new ImagePatches(8, 4, false));      // 4 patches × 48 = 192 values per image
        List<Example> examples = captioned(dir, 5);
        source.cacheLimit(3 * 192);
        for (Example ex : examples) source.features(ex);
        assertEquals(3, source.cachedFiles());
        float[] kept = source.features(examples.get(4));
        assertSame(kept, source.features(examples.get(4)), "a cached file is not read again");
        assertNotSame(source.features(examples.get(0)), source.features(examples.get(1)));
        assertEquals(3, source.cachedFiles());
        assertArrayEquals(FeatureSource.images(new ImagePatches(8, 4, false)).features(examples.get(0)), source.features(examples.get(0)));
    }
}
