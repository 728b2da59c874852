package dev.kiln.finetune.sft;

import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.config.Config;
import dev.kiln.api.config.ConfigException;
import dev.kiln.api.data.Batch;
import dev.kiln.api.data.Dataset;
import dev.kiln.api.data.Example;
import dev.kiln.api.finetune.FineTuner;
import dev.kiln.api.finetune.FineTunerFactory;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.objective.BatchSpec;
import dev.kiln.api.objective.ObjectiveContext;
import dev.kiln.api.testing.TestTokenizers;
import dev.kiln.api.testing.WordTokenizer;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

import static org.junit.jupiter.api.Assertions.*;

class SftTest {
    static final TransformerConfig BERT = TransformerConfig.bert(TestTokenizers.BYTE_VOCAB, 16, 1, 2, 32);
    static final WordTokenizer WORDS = new WordTokenizer(List.of("good", "bad", "film", "plot"));

    static SequenceClassificationObjective sft(Map<String, Object> cfg, TransformerConfig model, dev.kiln.api.tokenizer.Tokenizer tok) {
        return (SequenceClassificationObjective) new SftFineTunerFactory().objective(new Config("finetune signal 'sft'", cfg), new ObjectiveContext(tok, new NaiveBackend(), model, 1));
    }

    static Example row(String text, String pair, Object label) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("text", text);
        if (pair != null) f.put("text_pair", pair);
        f.put("label", label);
        return new Example(f, "rows:" + text, null);
    }

    @Test
    void isDiscoveredAsASignalMethodWhoseSignalIsTheObjective() {
        FineTunerFactory found = null;
        for (FineTunerFactory f : ServiceLoader.load(FineTunerFactory.class)) if (f.name().equals("sft")) found = f;
        assertNotNull(found, "sft is not registered in META-INF/services");
        assertEquals(FineTunerFactory.Role.SIGNAL, found.role());
        FineTuner t = found.create(new Config("finetune 'sft'", Map.of()), new ObjectiveContext(TestTokenizers.bytes(), new NaiveBackend(), BERT, 1));
        assertEquals("sft", t.name());
        assertInstanceOf(SequenceClassificationObjective.class, t.signal());
        assertEquals("sft", t.signal().name());
        assertEquals(List.of("classifier.weight", "classifier.bias"), List.copyOf(t.signal().head().namedParameters().keySet()));
    }

    @Test
    void pairsAreLaidOutWithClsSepTokenTypesAndPadding() {
        WordTokenizer tok = WORDS;
        TransformerConfig m = TransformerConfig.bert(tok.vocabSize(), 16, 1, 2, 32);
        Dataset d = new Dataset("d", List.of(row("good film", "bad plot", "1"), row("bad", null, "0")));
        Batch b = sft(Map.of("shuffle", false), m, tok).prepare(d, new BatchSpec(2, 32), 1).get(0);
        int cls = tok.requireSpecial("[CLS]"), sep = tok.requireSpecial("[SEP]"), pad = tok.requireSpecial("[PAD]");
        int good = tok.encode("good")[0], film = tok.encode("film")[0], bad = tok.encode("bad")[0], plot = tok.encode("plot")[0];
        assertArrayEquals(new int[] {cls, good, film, sep, bad, plot, sep, cls, bad, sep, pad, pad, pad, pad}, b.ints("ids").data());
        assertArrayEquals(new int[] {0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0}, b.ints("token_types").data());
        assertArrayEquals(new int[] {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0}, b.ints("attention_mask").data());
        assertArrayEquals(new int[] {1, 0}, b.ints("labels").data(), "integer labels are their own ids");
        assertEquals(10, b.tokens());
    }

    @Test
    void longPairsAreTruncatedLongestFirstToTheSequenceLength() {
        Dataset d = new Dataset("d", List.of(row("abcdefghij", "xyz", "0")));
        Batch b = sft(Map.of(), BERT, TestTokenizers.bytes()).prepare(d, new BatchSpec(1, 9), 1).get(0);
        int[] ids = b.ints("ids").data();
        assertEquals(9, ids.length);
        assertEquals("[CLS]abc[SEP]xyz[SEP]", TestTokenizers.bytes().decode(ids));
    }

    @Test
    void labelNamesGetIdsInOrderOfFirstAppearanceOrFromTheGivenList() {
        Dataset d = new Dataset("d", List.of(row("a", null, "neg"), row("b", null, "pos"), row("c", null, "neg")));
        SequenceClassificationObjective free = sft(Map.of("shuffle", false), BERT, TestTokenizers.bytes());
        assertArrayEquals(new int[] {0, 1, 0}, free.prepare(d, new BatchSpec(3, 8), 1).get(0).ints("labels").data());
        assertEquals(List.of("neg", "pos"), free.labelNames());

        SequenceClassificationObjective fixed = sft(Map.of("shuffle", false, "labels", List.of("pos", "neg")), BERT, TestTokenizers.bytes());
        assertArrayEquals(new int[] {1, 0, 1}, fixed.prepare(d, new BatchSpec(3, 8), 1).get(0).ints("labels").data());

        Dataset three = new Dataset("d", List.of(row("a", null, "x"), row("b", null, "y"), row("c", null, "z")));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> sft(Map.of(), BERT, TestTokenizers.bytes()).prepare(three, new BatchSpec(3, 8), 1));
        assertTrue(e.getMessage().contains("num_labels") && e.getMessage().contains("rows:c"), e.getMessage());
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> sft(Map.of("labels", List.of("x", "y")), BERT, TestTokenizers.bytes()).prepare(three, new BatchSpec(3, 8), 1));
        assertTrue(unknown.getMessage().contains("'z'"), unknown.getMessage());
    }

    @Test
    void macroF1MatchesAHandComputedValue() {
        Labels l = new Labels(3, List.of("a", "b", "c"));
        Map<String, Double> m = new LinkedHashMap<>();
        // truth a a a b b c, pred a a b b c c: F1(a)=0.8, F1(b)=0.5, F1(c)=2/3 → macro 0.6556 (scikit-learn agrees)
        ClassificationMetrics.confusion(m, l, new int[] {0, 0, 0, 1, 1, 2}, new int[] {0, 0, 1, 1, 2, 2});
        assertEquals(2.0 / 6, m.get("confusion.a.a"), 1e-12);
        assertEquals((0.8 + 0.5 + 2.0 / 3) / 3, ClassificationMetrics.macroF1(m, l), 1e-12);
        assertFalse(m.containsKey("confusion.c.a"), "only non-zero cells are reported");
        assertFalse(ClassificationMetrics.finish(Map.of("loss", 1.0), l).containsKey("macro_f1"), "no macro_f1 without an eval confusion matrix");
    }

    @Test
    void regressionUsesNumericTargetsAndReportsRmse() {
        Dataset d = new Dataset("d", List.of(row("a", null, 0.5), row("b", null, "2.5")));
        SequenceClassificationObjective r = sft(Map.of("task", "regression", "shuffle", false), BERT, TestTokenizers.bytes());
        Batch b = r.prepare(d, new BatchSpec(2, 8), 1).get(0);
        assertArrayEquals(new float[] {0.5f, 2.5f}, b.floats("targets").data());
        assertEquals(2.0, r.finish(Map.of("loss", 4.0)).get("rmse"), 1e-12);
        Dataset bad = new Dataset("d", List.of(row("a", null, "happy")));
        assertThrows(IllegalArgumentException.class, () -> r.prepare(bad, new BatchSpec(1, 8), 1));
    }

    @Test
    void firstTokenPoolingIsRejectedOnACausalModel() {
        TransformerConfig gpt = TransformerConfig.gpt2(TestTokenizers.BYTE_VOCAB, 16, 1, 2, 16);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> sft(Map.of("pooler", "first"), gpt, TestTokenizers.bytes()).checkModel(gpt));
        assertTrue(e.getMessage().contains("pooler"), e.getMessage());
        assertDoesNotThrow(() -> sft(Map.of("pooler", "last"), gpt, TestTokenizers.bytes()).checkModel(gpt));
    }

    @Test
    void configIsStrictAndValidated() {
        ConfigException unknown = assertThrows(ConfigException.class, () -> sft(Map.of("polar", "mean"), BERT, TestTokenizers.bytes()));
        assertTrue(unknown.getMessage().contains("pooler") && unknown.getMessage().contains("num_labels"), unknown.getMessage());
        ConfigException instr = assertThrows(ConfigException.class, () -> sft(Map.of("pooler", "mean", "packing", true), BERT, TestTokenizers.bytes()));
        assertTrue(instr.getMessage().contains("'packing'") && instr.getMessage().contains("does not apply to task 'classification'"), instr.getMessage());
        assertThrows(ConfigException.class, () -> sft(Map.of("pooler", "max"), BERT, TestTokenizers.bytes()));
        assertThrows(ConfigException.class, () -> sft(Map.of("num_labels", 1), BERT, TestTokenizers.bytes()));
        assertThrows(ConfigException.class, () -> sft(Map.of("num_labels", 3, "labels", List.of("a", "b")), BERT, TestTokenizers.bytes()));
        assertThrows(ConfigException.class, () -> sft(Map.of("task", "regression", "num_labels", 2), BERT, TestTokenizers.bytes()));
        assertEquals(List.of("0", "1", "2"), sft(Map.of("num_labels", 3), BERT, TestTokenizers.bytes()).labelNames(), "unseen ids are named by number");
        assertEquals(Arrays.asList("a", "b"), sft(Map.of("labels", "a,b"), BERT, TestTokenizers.bytes()).labelNames());
    }
}
