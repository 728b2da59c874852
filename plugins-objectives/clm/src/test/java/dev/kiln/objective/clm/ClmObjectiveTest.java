package dev.kiln.objective.clm;

import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.config.Config;
import dev.kiln.api.config.ConfigException;
import dev.kiln.api.data.Batch;
import dev.kiln.api.data.Dataset;
import dev.kiln.api.data.Example;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.objective.BatchSpec;
import dev.kiln.api.objective.Objective;
import dev.kiln.api.objective.ObjectiveContext;
import dev.kiln.api.objective.ObjectiveFactory;
import dev.kiln.api.testing.TestTokenizers;
import dev.kiln.api.tokenizer.Tokenizer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

import static org.junit.jupiter.api.Assertions.*;

class ClmObjectiveTest {
    static final Tokenizer TOK = TestTokenizers.bytes();
    static final TransformerConfig MODEL = TransformerConfig.gpt2(TestTokenizers.BYTE_VOCAB, 16, 1, 2, 32);
    static final int EOS = 256;

    static Objective clm(Map<String, Object> cfg) {
        return new ClmObjectiveFactory().create(new Config("objective 'clm'", cfg), new ObjectiveContext(TOK, new NaiveBackend(), MODEL, 1));
    }

    static Dataset docs(String... texts) {
        List<Example> ex = new ArrayList<>();
        for (int i = 0; i < texts.length; i++) ex.add(Example.text(texts[i], "t:" + (i + 1)));
        return new Dataset("t", ex);
    }

    @Test
    void isDiscoveredByServiceLoader() {
        boolean found = false;
        for (ObjectiveFactory f : ServiceLoader.load(ObjectiveFactory.class)) found |= f.name().equals("clm");
        assertTrue(found, "clm is not registered in META-INF/services");
    }

    @Test
    void targetsAreTheInputsShiftedByOneAndDocumentsAreJoinedByEos() {
        // "abc" EOS "defg" = 8 tokens → with T = 3: blocks [a b c], [EOS d e] (7 transitions, 6 used)
        List<Batch> batches = clm(Map.of("shuffle", false)).prepare(docs("abc", "defg"), new BatchSpec(4, 3), 1);
        assertEquals(1, batches.size());
        Batch b = batches.get(0);
        assertArrayEquals(new int[] {'a', 'b', 'c', EOS, 'd', 'e'}, b.ints("ids").data());
        assertArrayEquals(new int[] {'b', 'c', EOS, 'd', 'e', 'f'}, b.ints("targets").data());
        assertArrayEquals(new int[] {2, 3}, b.ints("ids").shape().dims());
        assertEquals(6, b.tokens());
    }

    @Test
    void separatorFalseConcatenatesDocumentsDirectly() {
        Batch b = clm(Map.of("shuffle", false, "separator", false)).prepare(docs("ab", "cd"), new BatchSpec(1, 3), 1).get(0);
        assertArrayEquals(new int[] {'a', 'b', 'c'}, b.ints("ids").data());
        assertArrayEquals(new int[] {'b', 'c', 'd'}, b.ints("targets").data());
    }

    @Test
    void fewerTokensThanOneBlockGiveOneShorterBlock() {
        List<Batch> batches = clm(Map.of()).prepare(docs("hey"), new BatchSpec(2, 16), 1);
        assertEquals(1, batches.size());
        assertArrayEquals(new int[] {1, 2}, batches.get(0).ints("ids").shape().dims());
        assertArrayEquals(new int[] {'e', 'y'}, batches.get(0).ints("targets").data());
        assertTrue(clm(Map.of()).prepare(docs("x"), new BatchSpec(2, 16), 1).isEmpty(), "one token has nothing to predict");
    }

    @Test
    void lastPartialBatchIsKeptUnlessDropLast() {
        Dataset d = docs("abcdefghijklmnopqrstuvwxyz");          // 25 transitions, T = 4 → 6 blocks
        BatchSpec spec = new BatchSpec(4, 4);
        List<Batch> kept = clm(Map.of()).prepare(d, spec, 1);
        assertEquals(2, kept.size());
        assertEquals(2, kept.get(1).ints("ids").dim(0));
        List<Batch> dropped = clm(Map.of("drop_last", true)).prepare(d, spec, 1);
        assertEquals(1, dropped.size());
    }

    @Test
    void shuffleReordersBlocksDeterministically() {
        Dataset d = docs("the quick brown fox jumps over the lazy dog and keeps running far away");
        BatchSpec spec = new BatchSpec(64, 4);
        int[] a = clm(Map.of()).prepare(d, spec, 1).get(0).ints("ids").data();
        int[] a2 = clm(Map.of()).prepare(d, spec, 1).get(0).ints("ids").data();
        int[] b = clm(Map.of()).prepare(d, spec, 2).get(0).ints("ids").data();
        int[] plain = clm(Map.of("shuffle", false)).prepare(d, spec, 1).get(0).ints("ids").data();
        assertArrayEquals(a, a2);
        assertFalse(java.util.Arrays.equals(a, b));
        assertFalse(java.util.Arrays.equals(a, plain));
        assertEquals(java.util.Arrays.stream(a).sum(), java.util.Arrays.stream(plain).sum(), "shuffling must only reorder blocks");
    }

    @Test
    void rejectsABidirectionalModelNamingTheKey() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> clm(Map.of()).checkModel(TransformerConfig.bert(TestTokenizers.BYTE_VOCAB, 16, 1, 2, 16)));
        assertTrue(e.getMessage().contains("model.causal"), e.getMessage());
        IllegalArgumentException v = assertThrows(IllegalArgumentException.class,
                () -> clm(Map.of()).checkModel(TransformerConfig.gpt2(100, 16, 1, 2, 16)));
        assertTrue(v.getMessage().contains("model.vocab"), v.getMessage());
    }

    @Test
    void sequencesLongerThanMaxSeqAreRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> clm(Map.of()).prepare(docs("abc"), new BatchSpec(1, 64), 1));
        assertTrue(e.getMessage().contains("model.max_seq"), e.getMessage());
    }

    @Test
    void configIsStrictAndValidated() {
        ConfigException unknown = assertThrows(ConfigException.class, () -> clm(Map.of("block_size", 8)));
        assertTrue(unknown.getMessage().contains("'block_size'") && unknown.getMessage().contains("label_smoothing"), unknown.getMessage());
        ConfigException range = assertThrows(ConfigException.class, () -> clm(Map.of("label_smoothing", 1.5)));
        assertTrue(range.getMessage().contains("label_smoothing"), range.getMessage());
        assertThrows(ConfigException.class, () -> clm(Map.of("shuffle", "maybe")));
    }

    @Test
    void metricsIncludeAccuracyAndFinishAddsPerplexity() {
        Transformer net = new Transformer(new NaiveBackend(), MODEL, 3);
        net.train(false);
        Objective o = clm(Map.of());
        Batch b = o.prepare(docs("hello there, general kenobi"), new BatchSpec(2, 8), 1).get(0);
        Objective.Output out = o.compute(net, b);
        assertEquals(16, out.weight());
        double acc = out.metrics().get("accuracy");
        assertTrue(acc >= 0 && acc <= 1);
        Map<String, Double> fin = o.finish(out.metrics());
        assertEquals(Math.exp(out.metrics().get("loss")), fin.get("perplexity"), 1e-9);
        // an untrained model is close to uniform over 262 ids
        assertTrue(fin.get("perplexity") > 100 && fin.get("perplexity") < 600, "perplexity " + fin.get("perplexity"));
    }

    @Test
    void trainingStepsKeepLogitsOnTheBackend() {
        Transformer net = new Transformer(new NaiveBackend(), MODEL, 3);
        Objective o = clm(Map.of());
        Batch b = o.prepare(docs("hello there, general kenobi"), new BatchSpec(2, 8), 1).get(0);
        Objective.Output out = o.compute(net, b);
        assertEquals(16, out.weight());
        assertEquals(java.util.Set.of("loss"), out.metrics().keySet(), "host-side accuracy is for evaluation only");
    }

    @Test
    void labelSmoothingReportsUnsmoothedNllForPerplexity() {
        Transformer net = new Transformer(new NaiveBackend(), MODEL, 3);
        net.train(false);
        Batch b = clm(Map.of()).prepare(docs("hello there, general kenobi"), new BatchSpec(2, 8), 1).get(0);
        double plain = clm(Map.of()).compute(net, b).metrics().get("loss");
        Objective smoothed = clm(Map.of("label_smoothing", 0.1));
        Objective.Output out = smoothed.compute(net, b);
        assertEquals(plain, out.metrics().get("nll"), 1e-4, "host NLL must match the backend's unsmoothed cross-entropy");
        assertEquals(Math.exp(out.metrics().get("nll")), smoothed.finish(out.metrics()).get("perplexity"), 1e-9);
    }
}
