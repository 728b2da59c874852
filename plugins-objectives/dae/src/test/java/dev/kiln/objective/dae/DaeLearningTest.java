package dev.kiln.objective.dae;

import dev.kiln.api.testing.TinyTraining;
import dev.kiln.api.testing.WordTokenizer;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.config.Config;
import dev.kiln.api.data.Batch;
import dev.kiln.api.data.Dataset;
import dev.kiln.api.data.Example;
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
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Does it learn? Documents are arithmetic progressions of number words ("n3 n5 n7 n9 ..."), so
 * every corrupted token is recoverable from its neighbours. Held-out progressions (start, step,
 * length) never appear in training. The reconstruction must beat the baseline of copying the
 * corrupted input (then [EOS]) position by position, by a margin.
 */
class DaeLearningTest {
    static final int NUMBERS = 40;

    static WordTokenizer tokenizer() {
        List<String> words = new ArrayList<>();
        for (int i = 0; i < NUMBERS; i++) words.add("n" + i);
        return new WordTokenizer(words);
    }

    /** Progressions split into train / held-out by a hash of (start, step, length). */
    static Dataset progressions(boolean heldOut) {
        List<Example> out = new ArrayList<>();
        for (int step = 1; step <= 2; step++)
            for (int len = 5; len <= 9; len++)
                for (int start = 0; start + step * (len - 1) < NUMBERS; start++) {
                    boolean test = new Random(start * 131L + step * 17L + len).nextInt(5) == 0;
                    if (test != heldOut) continue;
                    StringBuilder sb = new StringBuilder();
                    for (int i = 0; i < len; i++) sb.append(i == 0 ? "" : " ").append('n').append(start + step * i);
                    out.add(Example.text(sb.toString(), "progression"));
                }
        return new Dataset(heldOut ? "held-out" : "train", out);
    }

    @Test
    void reconstructionBeatsCopyingTheCorruptedInput() {
        long t0 = System.nanoTime();
        WordTokenizer tok = tokenizer();
        Backend be = new CpuBackend(2);
        TransformerConfig mc = TinyTraining.encoder(tok.vocabSize(), 32, 2, 2, 16, 0f);
        Map<String, Object> cfg = Map.of("mask_rate", 0.15, "replace_rate", 0.1, "infill_rate", 0.15, "permute_rate", 0.0, "decoder_layers", 2);
        Objective o = new DaeObjectiveFactory().create(new Config("objective 'dae'", cfg), new ObjectiveContext(tok, be, mc, 3));
        Transformer model = new Transformer(be, mc, 3);
        BatchSpec spec = new BatchSpec(32, 12);
        List<Batch> train = new ArrayList<>();
        Dataset trainSet = progressions(false);
        for (int epoch = 0; epoch < 32; epoch++) train.addAll(o.prepare(trainSet, spec, 100 + epoch));
        List<Batch> held = o.prepare(progressions(true), spec, 999);
        Map<String, Double> before = TinyTraining.evaluate(model, o, held);
        TinyTraining.train(model, o, train, 250, 4e-3);
        Map<String, Double> after = TinyTraining.evaluate(model, o, held);
        double acc = after.get("accuracy"), copy = after.get("copy_accuracy");
        System.out.printf("dae learning: train docs %d, held-out docs %d; held-out accuracy %.3f (untrained %.3f), copy baseline %.3f, loss %.3f -> %.3f, %.1f s%n",
                trainSet.size(), progressions(true).size(), acc, before.get("accuracy"), copy, before.get("loss"), after.get("loss"), (System.nanoTime() - t0) / 1e9);
        assertTrue(acc > copy + 0.10, "reconstruction accuracy " + acc + " does not beat copying the corrupted input (" + copy + ") by 0.10");
    }
    @Test
    void continuousDenoisingBeatsTheNoisyInput() {
        long t0 = System.nanoTime();
        Backend be = new CpuBackend(2);
        TransformerConfig mc = TinyTraining.encoder(8, 32, 1, 2, 16, 0f);
        Map<String, Object> cfg = Map.of("mode", "continuous", "source", "generated", "feature_dim", 8, "gaussian_std", 0.3, "dropout", 0.1);
        Objective o = new DaeObjectiveFactory().create(new Config("objective 'dae'", cfg), new ObjectiveContext(tokenizer(), be, mc, 5));
        Transformer model = new Transformer(be, mc, 5);
        BatchSpec spec = new BatchSpec(16, 16);
        List<Example> docs = new ArrayList<>();
        for (int i = 0; i < 300; i++) docs.add(Example.text("", "generated:" + i));
        Dataset all = new Dataset("generated", docs);
        Dataset trainSet = new Dataset("train", docs.subList(0, 240)), heldSet = new Dataset("held-out", docs.subList(240, 300));
        List<Batch> train = new ArrayList<>();
        for (int epoch = 0; epoch < 10; epoch++) train.addAll(o.prepare(trainSet, spec, 100 + epoch));
        List<Batch> held = o.prepare(heldSet, spec, 999);
        TinyTraining.train(model, o, train, 150, 3e-3);
        Map<String, Double> after = TinyTraining.evaluate(model, o, held);
        double loss = after.get("loss"), copy = after.get("copy_loss");
        System.out.printf("dae continuous: held-out squared error per sequence %.3f vs noisy input %.3f (ratio %.2f), %.1f s%n",
                loss, copy, loss / copy, (System.nanoTime() - t0) / 1e9);
        assertTrue(loss < 0.6 * copy, "reconstruction error " + loss + " is not well below the noisy input's " + copy);
    }
}
