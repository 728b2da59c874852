package dev.kiln.finetune.sft;

import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.config.Config;
import dev.kiln.api.data.Dataset;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.objective.BatchSpec;
import dev.kiln.api.objective.ObjectiveContext;
import dev.kiln.api.testing.TinyTraining;
import dev.kiln.api.testing.WordTokenizer;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** "Does it learn": sft on a generated 3-class sentiment-like task beats the majority class by ≥ 20 points held out. */
class SftLearnsTest {

    @Test
    void heldOutAccuracyBeatsTheMajorityBaselineByTwentyPoints() {
        WordTokenizer tok = new WordTokenizer(SentimentTask.vocabulary());
        NaiveBackend be = new NaiveBackend();
        TransformerConfig cfg = TinyTraining.encoder(tok.vocabSize(), 32, 2, 4, 16, 0f);
        Dataset train = SentimentTask.generate("train", 600, 1), test = SentimentTask.generate("test", 300, 2);
        SequenceClassificationObjective sft = (SequenceClassificationObjective) new SftFineTunerFactory().objective(
                new Config("finetune signal 'sft'", Map.of("num_labels", 3)), new ObjectiveContext(tok, be, cfg, 7));
        Transformer net = new Transformer(be, cfg, 3);
        sft.checkModel(cfg);
        BatchSpec spec = new BatchSpec(16, 16);

        long t0 = System.nanoTime();
        double lastLoss = TinyTraining.train(net, sft, train, spec, 250, 3e-3, 11);
        Map<String, Double> m = TinyTraining.evaluate(net, sft, test, spec, 5);
        double seconds = (System.nanoTime() - t0) / 1e9, baseline = SentimentTask.majorityBaseline(test);
        System.out.printf("sft learns: last train loss %.4f, held-out accuracy %.3f, macro_f1 %.3f, majority baseline %.3f, labels %s, %.1f s%n",
                lastLoss, m.get("accuracy"), m.get("macro_f1"), baseline, sft.labelNames(), seconds);
        System.out.println("sft learns: held-out metrics " + m);

        java.util.List<String> firstSeen = train.examples().stream().map(e -> e.string("label")).distinct().toList();
        assertEquals(firstSeen, sft.labelNames(), "label ids in order of first appearance in the training data");
        assertTrue(m.get("accuracy") >= baseline + 0.20, "accuracy " + m.get("accuracy") + " vs majority baseline " + baseline);
        assertTrue(m.get("macro_f1") > 0.5, "macro_f1 " + m.get("macro_f1"));
        double cells = m.entrySet().stream().filter(e -> e.getKey().startsWith("confusion.")).mapToDouble(Map.Entry::getValue).sum();
        assertEquals(1.0, cells, 1e-9, "confusion cells are fractions of the held-out examples");
        double diagonal = m.getOrDefault("confusion.positive.positive", 0.0) + m.getOrDefault("confusion.negative.negative", 0.0)
                + m.getOrDefault("confusion.neutral.neutral", 0.0);
        assertEquals(m.get("accuracy"), diagonal, 1e-9, "accuracy is the confusion matrix's trace");
    }
}
