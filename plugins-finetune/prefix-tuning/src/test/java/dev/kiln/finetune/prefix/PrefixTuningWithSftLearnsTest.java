package dev.kiln.finetune.prefix;

import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.config.Config;
import dev.kiln.api.data.Dataset;
import dev.kiln.api.data.Example;
import dev.kiln.api.finetune.FineTuner;
import dev.kiln.api.nn.KeyValuePrefix;
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
 * prefix-tuning (what trains) + sft (signal) compose: on a generated two-class task only the
 * key/value prefixes and the head move, the backbone stays bit-identical, and held-out accuracy
 * beats both the majority class and a head-only probe of the same frozen backbone trained alike.
 */
class PrefixTuningWithSftLearnsTest {
    static final List<String> POS = List.of("great", "lovely", "superb", "wonderful"), NEG = List.of("awful", "dull", "tedious", "boring");
    static final List<String> FILLER = List.of("the", "a", "film", "story", "cast", "was", "plot", "and", "ending", "music", "felt", "quite");
    static final int P = 16, STEPS = 200;
    static final double LR = 3e-2;                  // measured: 8 rows gave 0.92 vs the probe's 0.81, 16 rows 0.99
    static final BatchSpec SPEC = new BatchSpec(16, 16);

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

    static WordTokenizer tokenizer() {
        List<String> vocab = new ArrayList<>(FILLER);
        vocab.addAll(POS);
        vocab.addAll(NEG);
        return new WordTokenizer(vocab);
    }

    /**
     * A bidirectional encoder. Prefix tuning steers a pretrained model; a wider random init
     * (std 0.2) stands in for pretrained weights with healthy activation scales, as in bitfit's test
     * (at std 0.1 a head-only probe already reached 0.93, leaving the prefix nothing to show).
     */
    static TransformerConfig model(int vocab) {
        TransformerConfig c = TinyTraining.encoder(vocab, 32, 2, 4, SPEC.seqLen() + P, 0f);   // real positions follow the P prefix rows
        return c.toBuilder().initStd(0.2f).build();
    }

    static float[] prefixValues(Transformer net) {
        List<Float> all = new ArrayList<>();
        for (var b : net.blocks()) {
            KeyValuePrefix kv = b.attention().prefix();
            for (float x : kv.keys().toArray()) all.add(x);
            for (float x : kv.values().toArray()) all.add(x);
        }
        float[] out = new float[all.size()];
        for (int i = 0; i < out.length; i++) out[i] = all.get(i);
        return out;
    }

    /** Held-out accuracy after training the frozen backbone's prefix (or not) and head. */
    static double trainAndEvaluate(boolean withPrefix, Map<String, float[]> frozenAfter) {
        WordTokenizer tok = tokenizer();
        NaiveBackend be = new NaiveBackend();
        TransformerConfig cfg = model(tok.vocabSize());
        ObjectiveContext ctx = new ObjectiveContext(tok, be, cfg, 5);
        Objective sft = new SftFineTunerFactory().create(new Config("finetune signal 'sft'", Map.of("labels", List.of("neg", "pos"))), ctx).signal();
        Transformer net = new Transformer(be, cfg, 3);
        if (withPrefix) {
            FineTuner prefix = new PrefixTuningFineTunerFactory().create(new Config("finetune 'prefix-tuning'", Map.of("num_virtual_tokens", P)), ctx);
            prefix.configure(net, sft.head());
            System.out.println("prefix-tuning + sft: " + ((PrefixTuningFineTuner) prefix).parameterReport());
        } else {
            for (Tensor p : net.parameters()) p.requiresGrad(false);
        }
        Map<String, float[]> frozen = new LinkedHashMap<>();
        for (var e : net.namedParameters().entrySet()) if (!e.getValue().requiresGrad()) frozen.put(e.getKey(), e.getValue().toArray());
        float[] prefixBefore = withPrefix ? prefixValues(net) : null;

        TinyTraining.train(net, sft, data("train", 400, 1), SPEC, STEPS, LR, 9);
        double accuracy = TinyTraining.evaluate(net, sft, data("test", 300, 2), SPEC, 3).get("accuracy");

        for (var e : frozen.entrySet())
            assertTrue(Arrays.equals(e.getValue(), net.namedParameters().get(e.getKey()).toArray()), "frozen '" + e.getKey() + "' changed in training");
        if (withPrefix) assertFalse(Arrays.equals(prefixBefore, prefixValues(net)), "the prefix did not move");
        frozenAfter.putAll(frozen);
        return accuracy;
    }

    @Test
    void aKeyValuePrefixOnAFrozenBackboneLearnsTheTask() {
        long t0 = System.nanoTime();
        Map<String, float[]> frozen = new HashMap<>();
        double tuned = trainAndEvaluate(true, frozen);
        assertTrue(frozen.containsKey("embed.tokens.weight") && frozen.containsKey("blocks.1.attn.qkv.weight"), frozen.keySet().toString());
        assertFalse(frozen.containsKey("blocks.0.attn.prefix.keys"));
        double headOnly = trainAndEvaluate(false, new HashMap<>());
        Dataset test = data("test", 300, 2);
        Map<String, Integer> counts = new HashMap<>();
        for (Example e : test.examples()) counts.merge(e.string("label"), 1, Integer::sum);
        double baseline = counts.values().stream().mapToInt(Integer::intValue).max().orElseThrow() / (double) test.size();
        System.out.printf("prefix-tuning + sft learns: held-out accuracy %.3f, head-only probe %.3f, majority baseline %.3f, %.1f s%n",
                tuned, headOnly, baseline, (System.nanoTime() - t0) / 1e9);
        assertTrue(tuned >= baseline + 0.25, "accuracy " + tuned + " vs majority baseline " + baseline);
        assertTrue(tuned >= headOnly + 0.08, "accuracy " + tuned + " vs a head-only probe's " + headOnly + ": the prefix added nothing");
    }
}
