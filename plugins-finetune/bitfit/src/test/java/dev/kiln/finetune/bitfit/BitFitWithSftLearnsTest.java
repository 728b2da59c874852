package dev.kiln.finetune.bitfit;

import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.config.Config;
import dev.kiln.api.data.Dataset;
import dev.kiln.api.data.Example;
import dev.kiln.api.finetune.FineTuner;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.objective.BatchSpec;
import dev.kiln.api.objective.Objective;
import dev.kiln.api.objective.ObjectiveContext;
import dev.kiln.api.testing.TinyTraining;
import dev.kiln.api.testing.WordTokenizer;
import dev.kiln.finetune.sft.SftFineTunerFactory;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * bitfit (what trains) + sft (signal) compose: on a generated two-class task, only biases and the
 * head move, frozen weights stay bit-identical, and held-out accuracy beats the majority class and a
 * head-only probe of the same frozen backbone trained alike.
 */
class BitFitWithSftLearnsTest {
    static final double MARGIN = 0.03;               // measured: 0.987 vs 0.927 (naive backend, deterministic)
    static final List<String> POS = List.of("great", "lovely", "superb", "wonderful"), NEG = List.of("awful", "dull", "tedious", "boring");
    static final List<String> FILLER = List.of("the", "a", "film", "story", "cast", "was", "plot", "and", "ending", "music", "felt", "quite");

    static Dataset data(String name, int n, long seed) {
        Random rng = new Random(seed);
        List<Example> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            boolean pos = rng.nextDouble() < 0.6;
            List<String> w = new ArrayList<>();
            for (int k = 0, len = 4 + rng.nextInt(4); k < len; k++) w.add(FILLER.get(rng.nextInt(FILLER.size())));
            List<String> pick = pos ? POS : NEG;
            w.add(rng.nextInt(w.size() + 1), pick.get(rng.nextInt(pick.size())));
            out.add(new Example(Map.of("text", String.join(" ", w), "label", pos ? "pos" : "neg"), name + ":" + i, null));
        }
        return new Dataset(name, out);
    }

    /** Held-out accuracy after training biases and head (bitfit) or the head alone (a probe of the same frozen backbone). */
    static double trainAndEvaluate(boolean bitfitToo) {
        List<String> vocab = new ArrayList<>(FILLER);
        vocab.addAll(POS);
        vocab.addAll(NEG);
        WordTokenizer tok = new WordTokenizer(vocab);
        NaiveBackend be = new NaiveBackend();
        TransformerConfig c = TinyTraining.encoder(tok.vocabSize(), 32, 2, 4, 16, 0f);
        // BitFit assumes a pretrained backbone. At the default random init (std 0.02) the residual stream is ~0.02 in scale and
        // bias updates swamp it: measured, head + biases stayed at the majority baseline (a head-only probe reached 0.95).
        // A wider random init (std 0.1) stands in for pretrained weights with healthy activation scales.
        TransformerConfig cfg = c.toBuilder().initStd(0.1f).build();
        ObjectiveContext ctx = new ObjectiveContext(tok, be, cfg, 5);
        Objective sft = new SftFineTunerFactory().create(new Config("finetune signal 'sft'", Map.of("labels", List.of("neg", "pos"))), ctx).signal();
        Transformer net = new Transformer(be, cfg, 3);
        if (bitfitToo) {
            FineTuner bitfit = new BitFitFineTunerFactory().create(new Config("finetune 'bitfit'", Map.of()), ctx);
            bitfit.configure(net, sft.head());
            System.out.println("bitfit + sft: " + ((BitFitFineTuner) bitfit).lastReport());
        } else {
            for (var p : net.parameters()) p.requiresGrad(false);
        }
        Map<String, float[]> frozen = new LinkedHashMap<>();
        for (var e : net.namedParameters().entrySet()) if (!e.getValue().requiresGrad()) frozen.put(e.getKey(), e.getValue().toArray());
        BatchSpec spec = new BatchSpec(16, 16);
        TinyTraining.train(net, sft, data("train", 400, 1), spec, 400, 1e-2, 9);
        Map<String, Double> m = TinyTraining.evaluate(net, sft, data("test", 300, 2), spec, 3);
        for (var e : frozen.entrySet())
            assertTrue(Arrays.equals(e.getValue(), net.namedParameters().get(e.getKey()).toArray()), "frozen '" + e.getKey() + "' changed in training");
        if (bitfitToo) assertTrue(frozen.keySet().stream().noneMatch(k -> k.endsWith(".bias")), "a bias stayed frozen: " + frozen.keySet());
        return m.get("accuracy");
    }

    @Test
    void biasesAndHeadLearnTheTaskBetterThanTheHeadAlone() {
        long t0 = System.nanoTime();
        double bitfit = trainAndEvaluate(true), headOnly = trainAndEvaluate(false);
        Dataset test = data("test", 300, 2);
        Map<String, Integer> counts = new HashMap<>();
        for (Example e : test.examples()) counts.merge(e.string("label"), 1, Integer::sum);
        double baseline = counts.values().stream().mapToInt(Integer::intValue).max().orElseThrow() / (double) test.size();
        System.out.printf("bitfit + sft learns: held-out accuracy %.3f, head-only probe %.3f, majority baseline %.3f, %.1f s%n",
                bitfit, headOnly, baseline, (System.nanoTime() - t0) / 1e9);
        assertTrue(bitfit >= baseline + 0.20, "accuracy " + bitfit + " vs majority baseline " + baseline);
        assertTrue(bitfit >= headOnly + MARGIN, "accuracy " + bitfit + " vs a head-only probe's " + headOnly + ": the biases added nothing");
    }
}
