package dev.kiln.finetune.ia3;

import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.config.Config;
import dev.kiln.api.data.Dataset;
import dev.kiln.api.data.Example;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.objective.BatchSpec;
import dev.kiln.api.objective.Objective;
import dev.kiln.api.objective.ObjectiveContext;
import dev.kiln.api.tensor.Tensor;
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
 * ia3 (what trains) + sft (signal) compose: on a generated two-class task, only the IA3 vectors
 * and the head move, frozen weights stay bit-identical, held-out accuracy beats the majority class
 * by a clear margin, and held-out loss beats a head-only probe on the same frozen backbone.
 */
class Ia3WithSftLearnsTest {
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

    /** Held-out metrics after ia3 + sft training; with {@code trainVectors} false the IA3 vectors stay frozen at 1 (a head-only probe). */
    static Map<String, Double> run(boolean trainVectors, Dataset train, Dataset test) {
        List<String> vocab = new ArrayList<>(FILLER);
        vocab.addAll(POS);
        vocab.addAll(NEG);
        WordTokenizer tok = new WordTokenizer(vocab);
        NaiveBackend be = new NaiveBackend();
        TransformerConfig c = TinyTraining.encoder(tok.vocabSize(), 32, 2, 4, 16, 0f);
        // IA3 assumes a pretrained backbone; as in bitfit's test, a wider random init (std 0.1) stands in for one with healthy activation scales.
        TransformerConfig cfg = c.toBuilder().initStd(0.1f).build();
        ObjectiveContext ctx = new ObjectiveContext(tok, be, cfg, 5);
        Objective sft = new SftFineTunerFactory().create(new Config("finetune signal 'sft'", Map.of("labels", List.of("neg", "pos"))), ctx).signal();
        Ia3FineTuner ia3 = (Ia3FineTuner) new Ia3FineTunerFactory().create(new Config("finetune 'ia3'", Map.of()), ctx);
        Transformer net = new Transformer(be, cfg, 3);
        ia3.configure(net, sft.head());
        if (trainVectors) System.out.println("ia3 + sft: " + ia3.parameterReport());
        else for (Tensor v : ia3.trainableState(net).values()) if (!sft.head().parameters().contains(v)) v.requiresGrad(false);

        Map<String, float[]> frozen = new LinkedHashMap<>();
        for (var e : net.namedParameters().entrySet()) if (!e.getValue().requiresGrad()) frozen.put(e.getKey(), e.getValue().toArray());
        Map<String, float[]> vectors = new LinkedHashMap<>();
        ia3.trainableState(net).forEach((k, v) -> { if (!k.startsWith("heads.")) vectors.put(k, v.toArray()); });
        BatchSpec spec = new BatchSpec(16, 16);
        TinyTraining.train(net, sft, train, spec, 400, 1e-2, 9);
        for (var e : frozen.entrySet())
            assertTrue(Arrays.equals(e.getValue(), net.namedParameters().get(e.getKey()).toArray()), "frozen '" + e.getKey() + "' changed in training");
        if (trainVectors)
            vectors.forEach((k, v) -> assertFalse(Arrays.equals(v, net.namedParameters().get(k).toArray()), "IA3 vector '" + k + "' did not move"));
        return TinyTraining.evaluate(net, sft, test, spec, 3);
    }

    @Test
    void scalingVectorsAndHeadLearnTheTaskBetterThanTheHeadAlone() {
        Dataset train = data("train", 400, 1), test = data("test", 300, 2);
        Map<String, Integer> counts = new HashMap<>();
        for (Example e : test.examples()) counts.merge(e.string("label"), 1, Integer::sum);
        double baseline = counts.values().stream().mapToInt(Integer::intValue).max().orElseThrow() / (double) test.size();
        long t0 = System.nanoTime();
        Map<String, Double> ia3 = run(true, train, test), headOnly = run(false, train, test);
        System.out.printf("ia3 + sft learns: held-out accuracy %.3f (loss %.3f, macro_f1 %.3f) | head only: accuracy %.3f (loss %.3f)"
                        + " | majority baseline %.3f | %.1f s%n", ia3.get("accuracy"), ia3.get("loss"), ia3.get("macro_f1"),
                headOnly.get("accuracy"), headOnly.get("loss"), baseline, (System.nanoTime() - t0) / 1e9);
        assertTrue(ia3.get("accuracy") >= baseline + 0.20, "accuracy " + ia3.get("accuracy") + " vs majority baseline " + baseline);
        // a random backbone's pooled features are partly separable already, so the head alone does well; the vectors must add to it
        assertTrue(ia3.get("loss") < 0.5 * headOnly.get("loss"), "held-out loss " + ia3.get("loss") + " vs head only " + headOnly.get("loss"));
    }
}
