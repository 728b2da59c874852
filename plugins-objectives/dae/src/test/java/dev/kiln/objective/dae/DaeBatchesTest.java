package dev.kiln.objective.dae;

import dev.kiln.api.testing.CountingExamples;
import dev.kiln.api.testing.BatchFingerprints;
import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.data.ArrayTokenDocuments;
import dev.kiln.api.data.Batch;
import dev.kiln.api.data.Batches;
import dev.kiln.api.data.Dataset;
import dev.kiln.api.data.Example;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.objective.BatchSpec;
import dev.kiln.api.objective.Objective;
import dev.kiln.api.testing.WordTokenizer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static dev.kiln.objective.dae.DaeObjectiveTest.MODEL;
import static dev.kiln.objective.dae.DaeObjectiveTest.TOK;
import static dev.kiln.objective.dae.DaeObjectiveTest.dae;
import static org.junit.jupiter.api.Assertions.*;

/** Lazy epochs of both modes: random access, nothing read up front, seeded, the same from token documents. */
class DaeBatchesTest {
    static final Map<String, Object> NOISY = Map.of("mask_rate", 0.1, "replace_rate", 0.1, "delete_rate", 0.1, "infill_rate", 0.3,
            "permute_rate", 1.0, "rotate_rate", 0.3);
    static final Map<String, Object> GENERATED = Map.of("mode", "continuous", "source", "generated", "feature_dim", 3,
            "generated_length", 5, "gaussian_std", 0.2, "dropout", 0.1);
    static final BatchSpec SPEC = new BatchSpec(3, 24);

    /** Documents with sentence ends, newlines, runs of punctuation, decimals, empty and long ones. */
    static List<Example> documents(int n) {
        String[] kinds = {"First one. Second one! Third?", "Line one\nline two\n\nand after a gap.", "Pi is 3.14... or so?! Yes.",
                "", "no end at all", "A long document. " + "It goes on and on. ".repeat(8), "Wait...  what?   Spaces.  "};
        List<Example> out = new ArrayList<>();
        for (int i = 0; i < n; i++) out.add(Example.text(i + ": " + kinds[i % kinds.length], "d:" + i));
        return out;
    }

    static Dataset tokenized(List<Example> examples) {
        Dataset text = new Dataset("d", examples);
        return new Dataset("d", examples, ArrayTokenDocuments.tokenize(text, TOK));
    }

    @Test
    void batchKIsTheKthOfTheEpochAndOnlyItsOwnExamplesAreRead() {
        for (Map<String, Object> cfg : List.of(NOISY, GENERATED)) {
            CountingExamples examples = new CountingExamples(documents(20));
            Objective o = dae(cfg);
            Batches lazy = o.batches(new Dataset("d", examples), SPEC, 5);
            assertEquals(0, examples.reads(), cfg + ": making the epoch read examples");
            assertEquals(7, lazy.size(), "⌈20 / 3⌉ batches");
            Batch fourth = lazy.get(4);
            assertEquals(SPEC.batchSize(), examples.reads(), cfg + ": one batch reads its own examples only");
            List<String> all = BatchFingerprints.of(o.batches(new Dataset("d", examples), SPEC, 5));
            assertEquals(all.get(4), BatchFingerprints.of(fourth), cfg.toString());
            for (int k = all.size() - 1; k >= 0; k--) assertEquals(all.get(k), BatchFingerprints.of(lazy.get(k)), cfg + ": batch " + k);
        }
    }

    @Test
    void aTokenizedDatasetIsReadFromItsTokensOnly() {
        CountingExamples examples = new CountingExamples(documents(20));
        Dataset d = new Dataset("d", examples, ArrayTokenDocuments.tokenize(new Dataset("d", documents(20)), TOK));
        List<String> all = BatchFingerprints.of(dae(NOISY).batches(d, SPEC, 5));
        assertEquals(0, examples.reads(), "a tokenized dataset's text is not read");
        assertEquals(all.get(6), BatchFingerprints.of(dae(NOISY).batches(d, SPEC, 5).get(6)));
    }

    @Test
    void batchesAreDeterministicPerSeedAndDifferAcrossSeedsEvenInFileOrder() {
        Dataset d = new Dataset("d", documents(20));
        for (Map<String, Object> base : List.of(NOISY, GENERATED)) {
            for (boolean shuffle : new boolean[] {true, false}) {
                Map<String, Object> cfg = new HashMap<>(base);
                cfg.put("shuffle", shuffle);
                assertEquals(BatchFingerprints.of(dae(cfg).batches(d, SPEC, 7)), BatchFingerprints.of(dae(cfg).batches(d, SPEC, 7)), cfg.toString());
                assertNotEquals(BatchFingerprints.of(dae(cfg).batches(d, SPEC, 7)), BatchFingerprints.of(dae(cfg).batches(d, SPEC, 8)), cfg.toString());
            }
        }
    }

    @Test
    void aTokenizedDatasetGivesTheSameBatchesAsItsText() {
        List<Example> docs = documents(21);
        for (int t : new int[] {2, 5, 9, 16, 32})
            for (Map<String, Object> cfg : List.of(NOISY, Map.<String, Object>of("permute_rate", 1.0, "infill_rate", 0.0), Map.<String, Object>of()))
                assertEquals(BatchFingerprints.of(dae(cfg).batches(new Dataset("d", docs), new BatchSpec(4, t), 3)),
                        BatchFingerprints.of(dae(cfg).batches(tokenized(docs), new BatchSpec(4, t), 3)), cfg + ", seq_len " + t);
    }

    @Test
    void tokenSentencesMatchTheTextPiecesAndNeverCutAToken() {
        TokenSentences bytes = new TokenSentences(TOK);
        for (Example ex : documents(7)) {
            List<String> expected = Sentences.tokenize(TOK, ex.text()).stream().map(TOK::decode).toList();
            assertEquals(expected, bytes.split(TOK.encode(ex.text())).stream().map(TOK::decode).toList(), ex.text());
        }
        // words joined by the decoder's spaces: the space shows in the pair decode, so "cat." ends a sentence
        WordTokenizer words = new WordTokenizer(List.of("the", "cat.", "sat", "down!", "ok", "then"));
        List<int[]> pieces = new TokenSentences(words).split(words.encode("the cat. sat down! ok then"));
        assertEquals(List.of("the cat.", "sat down!", "ok then"), pieces.stream().map(words::decode).toList());
        // a token holding both the space after a sentence end and the next word starts the next piece
        List<int[]> straddled = new TokenSentences(new Chunks()).split(new int[] {0, 1, 2});
        assertEquals(List.of("[0]", "[1, 2]"), straddled.stream().map(Arrays::toString).toList());
    }

    /** Three tokens "Hi." " there" " you", as a GPT-2-style tokenizer would cut "Hi. there you". */
    static final class Chunks implements dev.kiln.api.tokenizer.Tokenizer {
        static final String[] TEXT = {"Hi.", " there", " you"};

        @Override public String name() { return "chunks"; }

        @Override public int vocabSize() { return TEXT.length; }

        @Override public int[] encode(String text) { throw new UnsupportedOperationException(); }

        @Override
        public String decode(int[] ids, boolean skipSpecial) {
            StringBuilder sb = new StringBuilder();
            for (int id : ids) sb.append(TEXT[id]);
            return sb.toString();
        }

        @Override public Map<String, Integer> specialTokens() { return Map.of(); }
    }

    @Test
    void aContinuousBatchOfEmptySequencesIsMadeWithNoTokensAndAFiniteLoss() {
        Objective o = dae(Map.of("mode", "continuous", "feature_dim", 2, "shuffle", false));
        Example empty = new Example(Map.of("features", List.of()), "f.jsonl:1", null);
        Example one = new Example(Map.of("features", List.of(List.of(1.0, 2.0))), "f.jsonl:2", null);
        List<Batch> batches = o.prepare(new Dataset("f", List.of(empty, empty, one)), new BatchSpec(2, 3), 1);
        assertEquals(2, batches.size(), "the batch count does not depend on what the examples hold");
        assertEquals(0, batches.get(0).tokens());
        assertEquals(1, batches.get(1).tokens());
        Objective.Output out = o.compute(new Transformer(new NaiveBackend(), MODEL, 2), batches.get(0));
        assertEquals(0.0, out.metrics().get("loss"), 1e-12);
        assertTrue(out.metrics().values().stream().allMatch(Double::isFinite), out.metrics().toString());
    }
}
