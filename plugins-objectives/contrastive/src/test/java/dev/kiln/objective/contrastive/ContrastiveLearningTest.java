package dev.kiln.objective.contrastive;

import dev.kiln.api.testing.TinyTraining;
import dev.kiln.api.testing.WordTokenizer;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.config.Config;
import dev.kiln.api.data.Batch;
import dev.kiln.api.data.Dataset;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.objective.BatchSpec;
import dev.kiln.api.objective.Objective;
import dev.kiln.api.objective.ObjectiveContext;
import dev.kiln.backend.cpu.CpuBackend;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Does it learn? InfoNCE on template paraphrases whose anchor and positive share no content word
 * ({@link Pairs}); held-out combinations never seen in training; in-batch retrieval among 16
 * candidates (chance = 1/16) must end well above chance and well above the untrained model.
 */
class ContrastiveLearningTest {
    @Test
    void heldOutRetrievalIsWellAboveChance() {
        long t0 = System.nanoTime();
        WordTokenizer tok = new WordTokenizer(Pairs.vocabulary());
        Backend be = new CpuBackend(2);
        TransformerConfig mc = TinyTraining.encoder(tok.vocabSize(), 32, 1, 2, 16, 0f);
        Objective o = new ContrastiveObjectiveFactory().create(new Config("objective 'contrastive'", Map.of("loss", "infonce", "temperature", 0.1)),
                new ObjectiveContext(tok, be, mc, 3));
        Transformer model = new Transformer(be, mc, 3);
        BatchSpec spec = new BatchSpec(16, 10);
        Dataset trainSet = Pairs.pairs(false, false), heldSet = Pairs.pairs(true, false);
        List<Batch> train = new ArrayList<>();
        for (int epoch = 0; epoch < 12; epoch++) train.addAll(o.prepare(trainSet, spec, 100 + epoch));
        List<Batch> held = o.prepare(heldSet, spec, 999);
        double before = TinyTraining.evaluate(model, o, held).get("accuracy");
        TinyTraining.train(model, o, train, 150, 3e-3);
        Map<String, Double> after = TinyTraining.evaluate(model, o, held);
        double acc = after.get("accuracy");
        System.out.printf("contrastive learning: train pairs %d, held-out pairs %d, batch 16 (chance %.3f); held-out retrieval %.3f (untrained %.3f), loss %.3f, %.1f s%n",
                trainSet.size(), heldSet.size(), 1 / 16.0, acc, before, after.get("loss"), (System.nanoTime() - t0) / 1e9);
        assertTrue(acc > 0.5 && acc > before + 0.3, "held-out retrieval accuracy " + acc + " (untrained " + before + ") is not well above chance 1/16");
    }
}
