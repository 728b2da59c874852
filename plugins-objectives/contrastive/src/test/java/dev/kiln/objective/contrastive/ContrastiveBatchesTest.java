package dev.kiln.objective.contrastive;

import dev.kiln.api.testing.CountingExamples;
import dev.kiln.api.data.ArrayTokenDocuments;
import dev.kiln.api.data.Batch;
import dev.kiln.api.data.Batches;
import dev.kiln.api.data.Dataset;
import dev.kiln.api.data.Example;
import dev.kiln.api.objective.BatchSpec;
import dev.kiln.api.objective.Objective;
import dev.kiln.api.testing.TestTokenizers;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static dev.kiln.objective.contrastive.ContrastiveObjectiveTest.BERT;
import static dev.kiln.objective.contrastive.ContrastiveObjectiveTest.make;
import static dev.kiln.api.testing.BatchFingerprints.of;
import static org.junit.jupiter.api.Assertions.*;

/** Lazy epochs: random access, nothing read up front, seeded, the same from token documents, SimCSE's per-batch sentence rule. */
class ContrastiveBatchesTest {
    static final BatchSpec SPEC = new BatchSpec(4, 12);

    static List<Example> triples(int n) {
        List<Example> out = new ArrayList<>();
        for (int i = 0; i < n; i++)
            out.add(new Example(Map.of("anchor", "cup " + i, "positive", "the cup " + i, "negative", "lamp " + i), "p:" + i, null));
        return out;
    }

    /** Documents of 1 to 3 sentences, some shorter than min_chars. */
    static List<Example> stories(int n) {
        List<Example> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            StringBuilder sb = new StringBuilder(i + " is a story.");
            for (int k = 0; k < i % 3; k++) sb.append(k == 0 ? " It was long ago " + k + "!" : "\nOk.");
            out.add(Example.text(sb.toString(), "s:" + i));
        }
        return out;
    }

    static final List<Map<String, Object>> CONFIGS = List.of(
            Map.of("loss", "infonce"), Map.of("loss", "infonce", "hard_negatives", false), Map.of("loss", "triplet"),
            Map.of("loss", "simcse", "min_chars", 5), Map.of("loss", "simcse", "split_sentences", false));

    static List<Example> examplesFor(Map<String, Object> cfg, int n) {
        return cfg.get("loss").equals("simcse") ? stories(n) : triples(n);
    }

    @Test
    void batchKIsTheKthOfTheEpochAndMakingTheEpochReadsAtMostOneExample() {
        for (Map<String, Object> cfg : CONFIGS) {
            CountingExamples examples = new CountingExamples(examplesFor(cfg, 23));
            Objective o = make(cfg, BERT);
            Batches lazy = o.batches(new Dataset("d", examples), SPEC, 5);
            assertTrue(examples.reads() <= 1, cfg + ": making the epoch read " + examples.reads() + " examples");
            assertEquals(6, lazy.size(), cfg + ": ⌈23 / 4⌉ batches");
            Batch third = lazy.get(3);
            assertTrue(examples.reads() <= 1 + 2 * SPEC.batchSize(), cfg + ": one batch read " + examples.reads() + " examples");
            List<String> all = of(o.batches(new Dataset("d", examples), SPEC, 5));
            assertEquals(all.get(3), of(third), cfg.toString());
            for (int k = all.size() - 1; k >= 0; k--) assertEquals(all.get(k), of(lazy.get(k)), cfg + ": batch " + k);
        }
    }

    @Test
    void batchesAreDeterministicPerSeedAndDifferAcrossSeeds() {
        for (Map<String, Object> cfg : CONFIGS) {
            Dataset d = new Dataset("d", examplesFor(cfg, 23));
            assertEquals(of(make(cfg, BERT).batches(d, SPEC, 7)), of(make(cfg, BERT).batches(d, SPEC, 7)), cfg.toString());
            assertNotEquals(of(make(cfg, BERT).batches(d, SPEC, 7)), of(make(cfg, BERT).batches(d, SPEC, 8)), cfg.toString());
        }
    }

    @Test
    void aTokenizedDatasetGivesTheSameBatches() {
        for (Map<String, Object> cfg : CONFIGS) {
            Dataset text = new Dataset("d", examplesFor(cfg, 23));
            Dataset tokenized = cfg.get("loss").equals("simcse")
                    ? new Dataset("d", text.examples(), ArrayTokenDocuments.tokenize(text, TestTokenizers.bytes()))
                    : new Dataset("d", text.examples(), ArrayTokenDocuments.of(empty(23)));    // supervised rows read fields, not documents
            assertEquals(of(make(cfg, BERT).batches(text, SPEC, 3)), of(make(cfg, BERT).batches(tokenized, SPEC, 3)), cfg.toString());
        }
    }

    @Test
    void unsplitSimcseOnATokenizedCorpusReadsTheTokensNotTheText() {
        Dataset text = new Dataset("d", stories(6));
        List<Example> blank = new ArrayList<>();
        for (int i = 0; i < 6; i++) blank.add(Example.text("unused", "s:" + i));
        Dataset tokenized = new Dataset("d", blank, ArrayTokenDocuments.tokenize(text, TestTokenizers.bytes()));
        Map<String, Object> cfg = Map.of("loss", "simcse", "split_sentences", false);
        assertEquals(of(make(cfg, BERT).batches(text, SPEC, 3)), of(make(cfg, BERT).batches(tokenized, SPEC, 3)));
    }

    @Test
    void simcseRowsComeFromTheBatchsOwnDocumentsSpreadOverThemFirst() {
        // 4 documents of 3 sentences each, batch 4: one sentence per document; batch 8: two per document
        List<Example> docs = new ArrayList<>();
        for (int i = 0; i < 4; i++) docs.add(Example.text("Doc " + i + " one. Doc " + i + " two. Doc " + i + " three.", "d:" + i));
        Dataset d = new Dataset("d", docs);
        Objective o = make(Map.of("loss", "simcse", "min_chars", 3, "shuffle", false), BERT);
        for (int b : new int[] {4, 8}) {
            Batch batch = o.batches(d, new BatchSpec(b, 16), 11).get(0);
            assertEquals(2, batch.blocks());
            assertEquals(2 * b, batch.ints("ids").dim(0));
            int[] perDoc = new int[4];
            Set<String> seen = new HashSet<>();
            for (String anchor : anchors(batch, b, 16)) {
                assertTrue(seen.add(anchor), "sentence repeated: " + anchor);
                perDoc[anchor.charAt(4) - '0']++;
            }
            for (int c : perDoc) assertEquals(b / 4, c, "batch " + b + ": sentences per document " + java.util.Arrays.toString(perDoc));
        }
        // when they fit, every sentence, in document order
        Batch all = o.batches(d, new BatchSpec(16, 16), 11).get(0);
        assertEquals(List.of("Doc 0 one.", "Doc 0 two.", "Doc 0 three.", "Doc 1 one."), anchors(all, 12, 16).subList(0, 4));
    }

    @Test
    void aSimcseBatchWithoutSentencesBorrowsOneAndAnEmptyCorpusIsAnError() {
        List<Example> docs = new ArrayList<>();
        for (int i = 0; i < 8; i++) docs.add(Example.text(i == 6 ? "The only real sentence." : "  ", "d:" + i));
        Objective o = make(Map.of("loss", "simcse", "shuffle", false), BERT);
        Batches batches = o.batches(new Dataset("d", docs), new BatchSpec(2, 32), 1);
        for (int i = 0; i < batches.size(); i++)
            assertEquals(List.of("The only real sentence."), anchors(batches.get(i), 1, 32), "batch " + i);
        List<Example> blank = List.of(Example.text("Hi.", "b:1"), Example.text("", "b:2"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> o.batches(new Dataset("blank", blank), new BatchSpec(2, 32), 1).get(0));
        assertTrue(e.getMessage().contains("'blank'") && e.getMessage().contains("min_chars = 8"), e.getMessage());
    }

    @Test
    void aDocumentThatBreaksTheLayoutOfExampleZeroFailsWhenItsBatchIsMade() {
        List<Example> docs = new ArrayList<>(triples(9));
        docs.set(6, new Example(Map.of("anchor", "a", "positive", "b"), "p:6", null));
        Batches batches = make(Map.of("shuffle", false), BERT).batches(new Dataset("d", docs), new BatchSpec(3, 8), 1);
        assertDoesNotThrow(() -> batches.get(0));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> batches.get(2));
        assertTrue(e.getMessage().contains("p:6") && e.getMessage().contains("lacks a 'negative'"), e.getMessage());
    }

    @Test
    void sentencePicksAreRoundRobinAndAllWhenTheyFit() {
        assertEquals(List.of("0,0", "0,1", "2,0"), pairs(SentencePicks.pick(new int[] {2, 0, 1}, 5, new Random(1))));
        List<String> picked = pairs(SentencePicks.pick(new int[] {3, 1, 2}, 4, new Random(1)));
        assertEquals(4, picked.size());
        assertEquals(List.of("0", "1", "2", "0"), picked.stream().map(p -> p.split(",")[0]).toList(), "round robin over documents");
    }

    private static int[][] empty(int n) {
        int[][] out = new int[n][];
        java.util.Arrays.fill(out, new int[0]);
        return out;
    }

    private static List<String> pairs(List<int[]> picks) {
        return picks.stream().map(p -> p[0] + "," + p[1]).toList();
    }

    /** The anchor rows of a batch, decoded (bytes after [CLS], up to the mask's end). */
    static List<String> anchors(Batch batch, int b, int t) {
        int[] ids = batch.ints("ids").data(), mask = batch.ints("mask").data();
        List<String> out = new ArrayList<>();
        for (int r = 0; r < b; r++) {
            StringBuilder sb = new StringBuilder();
            for (int i = 1; i < t && mask[r * t + i] == 1; i++) sb.append((char) ids[r * t + i]);
            out.add(sb.toString());
        }
        return out;
    }
}
