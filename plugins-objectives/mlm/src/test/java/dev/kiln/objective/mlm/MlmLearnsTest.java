package dev.kiln.objective.mlm;

import dev.kiln.api.testing.TinyTraining;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.config.Config;
import dev.kiln.api.data.Batch;
import dev.kiln.api.data.Dataset;
import dev.kiln.api.data.Example;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.nn.ModelKinds;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.objective.BatchSpec;
import dev.kiln.api.objective.ObjectiveContext;
import dev.kiln.api.ops.Losses;
import dev.kiln.api.testing.TestTokenizers;
import dev.kiln.backend.cpu.CpuBackend;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Does it learn: a tiny BERT trained briefly with mlm on generated sentences ("ada sees the red
 * kite.") must recover held-out masked bytes clearly better than always guessing the most
 * frequent masked byte of the held-out set (an upper bound of the unigram baseline).
 */
class MlmLearnsTest {
    static final String[] NAMES = {"ada", "ben", "cleo", "dev", "esme", "finn", "gus", "hana"};
    static final String[] VERBS = {"likes", "sees", "finds", "wants", "takes", "paints"};
    static final String[] ADJS = {"red", "blue", "green", "small", "big", "old"};
    static final String[] NOUNS = {"cat", "dog", "kite", "cup", "lamp", "boat", "tree"};

    /** {@code n} documents of five generated sentences each. */
    static Dataset sentences(String name, int n, long seed) {
        Random rng = new Random(seed);
        List<Example> out = new ArrayList<>();
        for (int d = 0; d < n; d++) {
            StringBuilder sb = new StringBuilder();
            for (int s = 0; s < 5; s++)
                sb.append(s == 0 ? "" : " ").append(NAMES[rng.nextInt(NAMES.length)]).append(' ').append(VERBS[rng.nextInt(VERBS.length)])
                        .append(" the ").append(ADJS[rng.nextInt(ADJS.length)]).append(' ').append(NOUNS[rng.nextInt(NOUNS.length)]).append('.');
            out.add(Example.text(sb.toString(), name + ":" + (d + 1)));
        }
        return new Dataset(name, out);
    }

    @Test
    void heldOutMaskedAccuracyBeatsTheMostFrequentTokenBaseline() {
        long t0 = System.nanoTime();
        Backend be = new CpuBackend(2, false);
        // BERT's shape (post-LN, embedding norm, token types, GELU, bidirectional, tied head), one layer of
        // width 48, no dropout, and rotary positions: learned absolute positions need ~3× the steps to get
        // past the unigram plateau, which does not fit the test budget.
        TransformerConfig bert = TransformerConfig.bert(TestTokenizers.BYTE_VOCAB, 48, 1, 3, 32);
        TransformerConfig mc = bert.toBuilder().positions(ModelKinds.Positions.ROTARY).dropout(0f).build();
        MlmObjective mlm = (MlmObjective) new MlmObjectiveFactory().create(new Config("objective 'mlm'", Map.of()),
                new ObjectiveContext(TestTokenizers.bytes(), be, mc, 1));
        Transformer net = new Transformer(be, mc, 1);
        mlm.checkModel(mc);
        Dataset train = sentences("train", 400, 1), heldOut = sentences("held-out", 60, 2);
        BatchSpec spec = new BatchSpec(32, 32);

        double baseline = mostFrequentLabelShare(mlm, heldOut, spec);
        double before = TinyTraining.evaluate(net, mlm, heldOut, spec, 99).get("accuracy");
        TinyTraining.train(net, mlm, train, spec, 300, 3e-3, 7);
        Map<String, Double> after = TinyTraining.evaluate(net, mlm, heldOut, spec, 99);
        double seconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf("mlm learns: held-out masked accuracy %.3f (before %.3f), most-frequent baseline %.3f, loss %.3f, ppl %.2f, %.1f s%n",
                after.get("accuracy"), before, baseline, after.get("loss"), after.get("perplexity"), seconds);
        assertTrue(after.get("accuracy") > baseline + 0.2,
                "held-out masked accuracy " + after.get("accuracy") + " is not clearly above the baseline " + baseline);
    }

    /** Share of the most frequent original id among the held-out masked positions. */
    static double mostFrequentLabelShare(MlmObjective mlm, Dataset data, BatchSpec spec) {
        Map<Integer, Integer> counts = new HashMap<>();
        int total = 0;
        for (Batch b : mlm.prepare(data, spec, 99))
            for (int l : b.ints("labels").data())
                if (l != Losses.IGNORE) { counts.merge(l, 1, Integer::sum); total++; }
        int best = counts.values().stream().mapToInt(Integer::intValue).max().orElse(0);
        return (double) best / total;
    }
}
