package dev.kiln.objective.nsp;

import dev.kiln.api.testing.TinyTraining;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.config.Config;
import dev.kiln.api.data.Dataset;
import dev.kiln.api.data.Example;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.nn.ModelKinds;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.objective.BatchSpec;
import dev.kiln.api.objective.ObjectiveContext;
import dev.kiln.api.testing.TestTokenizers;
import dev.kiln.backend.cpu.CpuBackend;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Does it learn: generated documents whose sentences repeat the document's topic letter and count
 * up ("kkk 1. kkk 2. ..."), so an actual next sentence is predictable from A, and a random one
 * from another document shares A's topic only 1 time in 12 (the topic alone allows ≈ 96%).
 * A tiny BERT trained briefly must classify pairs from held-out documents well above chance (50%).
 */
class NspLearnsTest {
    /**
     * {@code n} documents of six sentences; a document's sentences repeat its topic letter and count
     * up: "kkk 1. kkk 2. kkk 3. ...". Topic letters are drawn from {@code topics} letters.
     */
    static Dataset documents(String name, int n, int topics, long seed) {
        Random rng = new Random(seed);
        List<Example> out = new ArrayList<>();
        for (int d = 0; d < n; d++) {
            char t = (char) ('a' + rng.nextInt(topics));
            StringBuilder sb = new StringBuilder();
            for (int s = 1; s <= 6; s++) sb.append(s == 1 ? "" : " ").append(t).append(t).append(t).append(' ').append(s).append('.');
            out.add(Example.text(sb.toString(), name + ":" + (d + 1)));
        }
        return new Dataset(name, out);
    }

    @Test
    void heldOutAccuracyIsWellAboveChance() {
        long t0 = System.nanoTime();
        Backend be = new CpuBackend(2, false);
        // BERT's shape (post-LN, embedding norm, token types, GELU, bidirectional) with rotary positions
        // (see MlmLearnsTest), one layer of width 48, no dropout
        TransformerConfig bert = TransformerConfig.bert(TestTokenizers.BYTE_VOCAB, 48, 1, 3, 16);
        TransformerConfig mc = bert.toBuilder().positions(ModelKinds.Positions.ROTARY).dropout(0f).build();
        NspObjective nsp = (NspObjective) new NspObjectiveFactory().create(new Config("objective 'nsp'", Map.of()),
                new ObjectiveContext(TestTokenizers.bytes(), be, mc, 1));
        Transformer net = new Transformer(be, mc, 1);
        nsp.checkModel(mc);
        int topics = 12;
        Dataset train = documents("train", 300, topics, 1), heldOut = documents("held-out", 60, topics, 2);
        BatchSpec spec = new BatchSpec(32, 16);

        double before = TinyTraining.evaluate(net, nsp, heldOut, spec, 99).get("accuracy");
        TinyTraining.train(net, nsp, train, spec, 400, 3e-3, 7);
        Map<String, Double> after = TinyTraining.evaluate(net, nsp, heldOut, spec, 99);
        double seconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf("nsp learns: held-out accuracy %.3f (before %.3f, chance 0.5), loss %.3f, %.1f s%n",
                after.get("accuracy"), before, after.get("loss"), seconds);
        assertTrue(after.get("accuracy") > 0.8, "held-out NSP accuracy " + after.get("accuracy") + " is not well above 50%");
    }
}
