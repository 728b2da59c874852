package dev.kiln.objective.contrastive;

import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.config.Config;
import dev.kiln.api.config.ConfigException;
import dev.kiln.api.data.Batch;
import dev.kiln.api.data.Dataset;
import dev.kiln.api.data.Example;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.objective.BatchSpec;
import dev.kiln.api.objective.Objective;
import dev.kiln.api.objective.ObjectiveContext;
import dev.kiln.api.objective.ObjectiveFactory;
import dev.kiln.api.tensor.IntTensor;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.testing.TestTokenizers;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

import static org.junit.jupiter.api.Assertions.*;

class ContrastiveObjectiveTest {
    static final NaiveBackend BE = new NaiveBackend();
    static final TransformerConfig BERT = TransformerConfig.bert(TestTokenizers.BYTE_VOCAB, 16, 1, 2, 32);
    static final int CLS = 259, PAD = 257;

    static Objective make(Map<String, Object> cfg, TransformerConfig model) {
        return new ContrastiveObjectiveFactory().create(new Config("objective 'contrastive'", cfg),
                new ObjectiveContext(TestTokenizers.bytes(), BE, model, 1));
    }

    @Test
    void isDiscoveredByServiceLoader() {
        boolean found = false;
        for (ObjectiveFactory f : ServiceLoader.load(ObjectiveFactory.class)) found |= f.name().equals("contrastive");
        assertTrue(found);
    }

    @Test
    void batchStacksAnchorsPositivesAndNegativesWithClsFirst() {
        Dataset d = new Dataset("d", List.of(new Example(Map.of("anchor", "ab", "positive", "c", "negative", "de"), "d:1", null)));
        Batch b = make(Map.of("shuffle", false), BERT).prepare(d, new BatchSpec(4, 3), 1).get(0);
        assertArrayEquals(new int[] {CLS, 'a', 'b', CLS, 'c', PAD, CLS, 'd', 'e'}, b.ints("ids").data());
        assertArrayEquals(new int[] {1, 1, 1, 1, 1, 0, 1, 1, 1}, b.ints("mask").data());
        assertEquals(3, b.blocks());
        assertArrayEquals(new int[] {0}, b.ints("positions").data());
        assertArrayEquals(new int[] {1}, b.ints("examples").data());
    }

    @Test
    void simcseSplitsSentencesAndRequiresDropout() {
        TransformerConfig noDropout = TransformerConfig.gpt2(TestTokenizers.BYTE_VOCAB, 16, 1, 2, 32);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> make(Map.of("loss", "simcse"), noDropout));
        assertTrue(e.getMessage().contains("model.dropout > 0"), e.getMessage());
        ContrastiveObjective o = (ContrastiveObjective) make(Map.of("loss", "simcse", "min_chars", 3), BERT);
        List<ContrastiveObjective.Item> items = o.items(new Dataset("d", List.of(Example.text("One fish. Two fish!\nRed fish", "d:1"))));
        assertEquals(List.of("One fish.", "Two fish!", "Red fish"), items.stream().map(ContrastiveObjective.Item::anchor).toList());
        assertTrue(items.stream().allMatch(i -> i.anchor().equals(i.positive())));
    }

    @Test
    void tripletNeedsNegativesAndConfigIsStrict() {
        Dataset noNeg = new Dataset("d", List.of(new Example(Map.of("anchor", "a", "positive", "b"), "d:1", null)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> make(Map.of("loss", "triplet"), BERT).prepare(noNeg, new BatchSpec(2, 4), 1));
        assertTrue(e.getMessage().contains("'negative'") && e.getMessage().contains("d:1"), e.getMessage());
        ConfigException m = assertThrows(ConfigException.class, () -> make(Map.of("margin", 1.0), BERT));
        assertTrue(m.getMessage().contains("triplet"), m.getMessage());
        assertThrows(ConfigException.class, () -> make(Map.of("loss", "ntxent"), BERT));
        assertThrows(ConfigException.class, () -> make(Map.of("temperature", 0), BERT));
    }

    @Test
    void meanPoolingIgnoresPadding() {
        Tensor h = Tensor.of(BE, new float[] {1, 2, 3, 4, 100, 100}, 1, 3, 2);
        float[] pooled = Pooling.pool("mean", h, new IntTensor(new int[] {1, 1, 0}, 1, 3)).toArray();
        assertArrayEquals(new float[] {2, 3}, pooled, 1e-6f);
        assertArrayEquals(new float[] {1, 2}, Pooling.pool("first", h, new IntTensor(new int[] {1, 1, 0}, 1, 3)).toArray(), 1e-6f);
    }

    @Test
    void lossesMatchHandComputedValues() {
        Tensor a = Tensor.of(BE, new float[] {1, 0, 0, 1}, 2, 2), p = Tensor.of(BE, new float[] {1, 0, 0, 1}, 2, 2);
        // InfoNCE: logits = I / τ, row loss = log(1 + e^{-1/τ})
        double expected = Math.log(1 + Math.exp(-1 / 0.5));
        assertEquals(expected, ContrastiveLosses.infoNce(a, p, null, 0.5f).item(), 1e-5);
        Tensor n = Tensor.of(BE, new float[] {3, 0, 0, 1}, 2, 2);
        // euclidean: d(a,p) = 0; d(a,n) = 2 and 0 → max(0, 0 - 2 + 1) = 0 and max(0, 0 - 0 + 1) = 1 → mean 0.5
        assertEquals(0.5, ContrastiveLosses.triplet(a, p, n, "euclidean", 1f).item(), 1e-4);
        // cosine: all cos = 1 → distances 0 → mean(max(0, margin)) = margin
        assertEquals(0.3, ContrastiveLosses.triplet(a, p, n, "cosine", 0.3f).item(), 1e-4);
    }

    @Test
    void retrievalCountsAnchorsWhoseOwnPositiveIsNearest() {
        // 2 anchors, 2 positives, C = 2: anchor 0 nearest positive 0; anchor 1 nearest positive 0 too
        float[] emb = {1, 0, 1, 0.1f, /* positives */ 1, 0, 0, 1};
        assertEquals(1, Retrieval.correct(emb, 2, 2, 2, false));
    }

    @Test
    void simcseViewsDifferOnlyThroughDropout() {
        Objective o = make(Map.of("loss", "simcse", "shuffle", false), BERT);
        Dataset d = new Dataset("d", List.of(Example.text("The red kite flew. A blue cup fell. Two green apples rolled. Ada went home.", "d:1")));
        Batch b = o.prepare(d, new BatchSpec(4, 24), 1).get(0);
        int[] ids = b.ints("ids").data();
        assertArrayEquals(java.util.Arrays.copyOfRange(ids, 0, 4 * 24), java.util.Arrays.copyOfRange(ids, 4 * 24, 8 * 24), "both views hold the same sentences");
        dev.kiln.api.nn.Transformer net = new dev.kiln.api.nn.Transformer(BE, BERT, 3);
        double train = o.compute(net, b).loss().item();
        net.train(false);
        double eval = o.compute(net, b).loss().item();
        assertTrue(eval < train, "without dropout the views coincide, so the loss drops: train " + train + ", eval " + eval);
    }
}
