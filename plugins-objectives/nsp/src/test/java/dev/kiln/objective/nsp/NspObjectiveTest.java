package dev.kiln.objective.nsp;

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

class NspObjectiveTest {
    static final Tokenizer TOK = TestTokenizers.bytes();
    static final TransformerConfig MODEL = TransformerConfig.bert(TestTokenizers.BYTE_VOCAB, 16, 1, 2, 32);
    static final int PAD = 257, CLS = 259, SEP = 260;

    static NspObjective nsp(Map<String, Object> cfg) {
        return (NspObjective) new NspObjectiveFactory().create(new Config("objective 'nsp'", cfg),
                new ObjectiveContext(TOK, new NaiveBackend(), MODEL, 1));
    }

    static Dataset docs(String... texts) {
        List<Example> ex = new ArrayList<>();
        for (int i = 0; i < texts.length; i++) ex.add(Example.text(texts[i], "t:" + (i + 1)));
        return new Dataset("t", ex);
    }

    static String text(Batch b, int row) {
        int w = b.ints("ids").dim(1);
        int[] r = java.util.Arrays.copyOfRange(b.ints("ids").data(), row * w, (row + 1) * w);
        return TOK.decode(r);
    }

    @Test
    void isDiscoveredByServiceLoader() {
        boolean found = false;
        for (ObjectiveFactory f : ServiceLoader.load(ObjectiveFactory.class)) found |= f.name().equals("nsp");
        assertTrue(found, "nsp is not registered in META-INF/services");
    }

    @Test
    void actualNextPairsAreClsASepBSepWithTokenTypesAndPadding() {
        // one pair per document: each document here has exactly one sentence with a successor
        Batch b = nsp(Map.of("next_prob", 1.0, "shuffle", false)).prepare(docs("Hi. Go on.", "Go on. Stop."), new BatchSpec(4, 32), 1).get(0);
        assertArrayEquals(new int[] {2, 14}, b.ints("ids").shape().dims());
        assertEquals("[CLS]Hi.[SEP]Go on.[SEP][PAD][PAD]", text(b, 0));
        assertEquals("[CLS]Go on.[SEP]Stop.[SEP]", text(b, 1));
        assertArrayEquals(new int[] {0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 0, 0}, java.util.Arrays.copyOf(b.ints("token_types").data(), 14));
        assertArrayEquals(new int[] {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0}, java.util.Arrays.copyOf(b.ints("attention_mask").data(), 14));
        assertArrayEquals(new int[] {0, 0}, b.ints("labels").data());
        assertEquals(26, b.tokens());
    }

    @Test
    void randomPairsTakeBFromAnotherDocument() {
        Dataset d = docs("Aa one. Aa two. Aa three.", "Bb one. Bb two.", "Cc one. Cc two.");
        List<Batch> batches = nsp(Map.of("next_prob", 0.0)).prepare(d, new BatchSpec(8, 32), 3);
        Batch b = batches.get(0);
        assertEquals(3, b.ints("labels").size(), "one pair per document");
        for (int r = 0; r < 3; r++) {
            assertEquals(1, b.ints("labels").get(r));
            String[] parts = text(b, r).replace("[PAD]", "").replace("[CLS]", "").split("\\[SEP\\]");
            assertNotEquals(parts[0].substring(0, 2), parts[1].substring(0, 2), "B came from A's document: " + text(b, r));
        }
    }

    @Test
    void nextProbabilitySetsTheLabelBalance() {
        StringBuilder sb = new StringBuilder();
        List<String> texts = new ArrayList<>();
        for (int d = 0; d < 1000; d++) {                             // one pair per document and epoch
            sb.setLength(0);
            for (int s = 0; s < 3; s++) sb.append("D").append(d).append(" s").append(s).append(". ");
            texts.add(sb.toString());
        }
        Dataset data = docs(texts.toArray(new String[0]));
        for (double p : new double[] {0.5, 0.8}) {
            long next = 0, total = 0;
            for (Batch b : nsp(Map.of("next_prob", p)).prepare(data, new BatchSpec(50, 32), 5))
                for (int l : b.ints("labels").data()) { total++; if (l == 0) next++; }
            assertEquals(1000, total);
            assertEquals(p, (double) next / total, 0.04, "share of IsNext pairs");
        }
    }

    @Test
    void longPairsAreTruncatedLongestFirstToSeqLen() {
        NspPairs.Pair p = NspPairs.fit(new int[10], new int[4], 0, 9);
        assertEquals(5, p.a().length);
        assertEquals(4, p.b().length);
        NspPairs.Pair q = NspPairs.fit(new int[3], new int[30], 1, 5);
        assertEquals(2, q.a().length);
        assertEquals(3, q.b().length);
        Batch b = nsp(Map.of("next_prob", 1.0)).prepare(docs("A very long first sentence indeed. And a second one that is long too."),
                new BatchSpec(2, 16), 1).get(0);
        assertEquals(16, b.ints("ids").dim(1));
    }

    @Test
    void rejectsCausalModelsAndModelsWithoutTokenTypes() {
        IllegalArgumentException causal = assertThrows(IllegalArgumentException.class,
                () -> nsp(Map.of()).checkModel(TransformerConfig.gpt2(TestTokenizers.BYTE_VOCAB, 16, 1, 2, 32)));
        assertTrue(causal.getMessage().contains("model.causal"), causal.getMessage());
        TransformerConfig noTypes = MODEL.withVocab(MODEL.vocab());
        noTypes = noTypes.toBuilder().typeVocab(0).dropout(0f).build();
        TransformerConfig finalNoTypes = noTypes;
        IllegalArgumentException types = assertThrows(IllegalArgumentException.class, () -> nsp(Map.of()).checkModel(finalNoTypes));
        assertTrue(types.getMessage().contains("model.type_vocab"), types.getMessage());
    }

    @Test
    void configIsStrictAndValidated() {
        ConfigException unknown = assertThrows(ConfigException.class, () -> nsp(Map.of("random_prob", 0.5)));
        assertTrue(unknown.getMessage().contains("'random_prob'") && unknown.getMessage().contains("next_prob"), unknown.getMessage());
        ConfigException range = assertThrows(ConfigException.class, () -> nsp(Map.of("next_prob", 1.5)));
        assertTrue(range.getMessage().contains("next_prob"), range.getMessage());
    }

    @Test
    void headIsPoolerPlusTwoWayClassifierAndMetricsAreLossAndAccuracy() {
        NspObjective o = nsp(Map.of());
        assertEquals(java.util.Set.of("pooler.weight", "pooler.bias", "classifier.weight", "classifier.bias"), o.head().namedParameters().keySet());
        assertArrayEquals(new int[] {2, 16}, o.head().namedParameters().get("classifier.weight").dims());
        Transformer net = new Transformer(new NaiveBackend(), MODEL, 3);
        Batch b = o.prepare(docs("One. Two. Three. Four.", "Five. Six."), new BatchSpec(8, 16), 1).get(0);
        Objective.Output out = o.compute(net, b);
        assertEquals(2, out.weight(), "one pair per document");
        assertEquals(java.util.Set.of("loss", "accuracy"), out.metrics().keySet());
        assertEquals(Math.log(2), out.metrics().get("loss"), 0.1, "an untrained classifier is near chance");
    }
}
