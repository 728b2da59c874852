package dev.kiln.objective.mlm;

import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.config.Config;
import dev.kiln.api.config.ConfigException;
import dev.kiln.api.data.Batch;
import dev.kiln.api.data.Dataset;
import dev.kiln.api.data.Example;
import dev.kiln.api.nn.ModelInput;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.objective.BatchSpec;
import dev.kiln.api.objective.Objective;
import dev.kiln.api.objective.ObjectiveContext;
import dev.kiln.api.objective.ObjectiveFactory;
import dev.kiln.api.ops.Losses;
import dev.kiln.api.ops.Shapes;
import dev.kiln.api.tensor.IntTensor;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.testing.TestTokenizers;
import dev.kiln.api.tokenizer.Tokenizer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.*;

class MlmObjectiveTest {
    static final Tokenizer TOK = TestTokenizers.bytes();
    static final TransformerConfig MODEL = TransformerConfig.bert(TestTokenizers.BYTE_VOCAB, 16, 1, 2, 32);
    static final int PAD = 257, CLS = 259, SEP = 260;

    static MlmObjective mlm(Map<String, Object> cfg) {
        return (MlmObjective) new MlmObjectiveFactory().create(new Config("objective 'mlm'", cfg),
                new ObjectiveContext(TOK, new NaiveBackend(), MODEL, 1));
    }

    static Dataset docs(String... texts) {
        List<Example> ex = new ArrayList<>();
        for (int i = 0; i < texts.length; i++) ex.add(Example.text(texts[i], "t:" + (i + 1)));
        return new Dataset("t", ex);
    }

    @Test
    void isDiscoveredByServiceLoader() {
        boolean found = false;
        for (ObjectiveFactory f : ServiceLoader.load(ObjectiveFactory.class)) found |= f.name().equals("mlm");
        assertTrue(found, "mlm is not registered in META-INF/services");
    }

    @Test
    void rowsAreClsDocumentSepPaddedWithAnAttentionMask() {
        // T = 6 → room for 4: "abcd" → [CLS]abcd[SEP], "efgh" → [CLS]efgh[SEP]; "xy" → [CLS]xy[SEP] + 2 pads
        Map<String, Object> cfg = Map.of("shuffle", false, "mask_replace_prob", 0.0, "random_replace_prob", 0.0);
        List<Batch> batches = mlm(cfg).prepare(docs("abcd", "efgh", "xy"), new BatchSpec(3, 6), 1);
        assertEquals(1, batches.size());
        Batch b = batches.get(0);
        assertArrayEquals(new int[] {3, 6}, b.ints("ids").shape().dims());
        assertArrayEquals(new int[] {CLS, 'a', 'b', 'c', 'd', SEP, CLS, 'e', 'f', 'g', 'h', SEP, CLS, 'x', 'y', SEP, PAD, PAD},
                b.ints("ids").data(), "with both replacement shares at 0 the inputs are the plain rows");
        assertArrayEquals(new int[] {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0}, b.ints("attention_mask").data());
        assertEquals(16, b.tokens());
        int[] labels = b.ints("labels").data(), ids = b.ints("ids").data();
        for (int i = 0; i < labels.length; i++)
            if (labels[i] != Losses.IGNORE) assertTrue(ids[i] < 256 && labels[i] == ids[i], "label at " + i);
        for (int i : new int[] {0, 5, 6, 11, 12, 15, 16, 17}) assertEquals(Losses.IGNORE, labels[i], "special/pad at " + i + " selected");
    }

    @Test
    void aLongDocumentGivesOneOfItsAlignedChunksPerEpochAndEveryChunkOverEpochs() {
        // "abcdefghij" with T = 6 → aligned chunks of 4: abcd | efgh | ij; one of them per epoch
        Map<String, Object> cfg = Map.of("mask_replace_prob", 0.0, "random_replace_prob", 0.0);
        Set<String> seen = new TreeSet<>();
        for (long seed = 1; seed <= 40; seed++) {
            List<Batch> batches = mlm(cfg).prepare(docs("abcdefghij"), new BatchSpec(2, 6), seed);
            assertEquals(1, batches.size());
            assertEquals(1, batches.get(0).ints("ids").dim(0), "one row per document");
            seen.add(TOK.decode(batches.get(0).ints("ids").data()));
        }
        assertEquals(Set.of("[CLS]abcd[SEP]", "[CLS]efgh[SEP]", "[CLS]ij[SEP]"), seen);
    }

    @Test
    void aBatchIsOnlyAsWideAsItsLongestRow() {
        Batch b = mlm(Map.of()).prepare(docs("ab", "cde"), new BatchSpec(4, 16), 1).get(0);
        assertArrayEquals(new int[] {2, 5}, b.ints("ids").shape().dims());
    }

    @Test
    void packedRowsJoinDocumentsWithSep() {
        Map<String, Object> cfg = Map.of("shuffle", false, "pack", true, "mask_replace_prob", 0.0, "random_replace_prob", 0.0);
        Batch b = mlm(cfg).prepare(docs("abc", "defg"), new BatchSpec(4, 6), 1).get(0);
        // stream a b c SEP d e f g → chunks of 4: [a b c SEP] [d e f g]
        assertArrayEquals(new int[] {CLS, 'a', 'b', 'c', SEP, SEP, CLS, 'd', 'e', 'f', 'g', SEP}, b.ints("ids").data());
    }

    @Test
    void lastPartialBatchIsKeptUnlessDropLast() {
        Dataset d = docs("a", "b", "c", "d", "e");
        assertEquals(3, mlm(Map.of()).prepare(d, new BatchSpec(2, 8), 1).size());
        assertEquals(2, mlm(Map.of("drop_last", true)).prepare(d, new BatchSpec(2, 8), 1).size());
    }

    @Test
    void rejectsACausalModelNamingTheKey() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> mlm(Map.of()).checkModel(TransformerConfig.gpt2(TestTokenizers.BYTE_VOCAB, 16, 1, 2, 32)));
        assertTrue(e.getMessage().contains("model.causal"), e.getMessage());
        assertDoesNotThrow(() -> mlm(Map.of()).checkModel(MODEL));
    }

    @Test
    void sequencesLongerThanMaxSeqAreRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> mlm(Map.of()).prepare(docs("abc"), new BatchSpec(1, 64), 1));
        assertTrue(e.getMessage().contains("model.max_seq"), e.getMessage());
    }

    @Test
    void aPositionOffsetShortensTheUsableLength() {   // RoBERTa: max_seq 514 less position_offset 2 = 512 tokens
        TransformerConfig roberta = MODEL.toBuilder().positionOffset(2).build();
        MlmObjective o = (MlmObjective) new MlmObjectiveFactory().create(new Config("objective 'mlm'", Map.of()),
                new ObjectiveContext(TOK, new NaiveBackend(), roberta, 1));
        assertDoesNotThrow(() -> o.prepare(docs("abc"), new BatchSpec(1, 30), 1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> o.prepare(docs("abc"), new BatchSpec(1, 31), 1));
        assertTrue(e.getMessage().contains("model.max_seq = 32 less position_offset 2"), e.getMessage());
        assertDoesNotThrow(() -> mlm(Map.of()).prepare(docs("abc"), new BatchSpec(1, 31), 1));
    }

    @Test
    void configIsStrictAndValidated() {
        ConfigException unknown = assertThrows(ConfigException.class, () -> mlm(Map.of("mlm_probability", 0.2)));
        assertTrue(unknown.getMessage().contains("'mlm_probability'") && unknown.getMessage().contains("mask_prob"), unknown.getMessage());
        for (var bad : List.<Map<String, Object>>of(Map.of("mask_prob", 0.0), Map.of("mask_prob", 1.2),
                Map.of("mask_replace_prob", 0.95, "random_replace_prob", 0.1), Map.of("span_p", 0.0), Map.of("max_span", 0),
                Map.of("whole_word", "maybe"))) {
            String key = bad.keySet().stream().filter(k -> !k.equals("mask_replace_prob")).findFirst().orElseThrow();
            ConfigException e = assertThrows(ConfigException.class, () -> mlm(bad), bad.toString());
            assertTrue(e.getMessage().contains(key), e.getMessage());
        }
    }

    @Test
    void headIsBertsPredictionHeadWithItsOwnBiasAndATiedDecoder() {
        MlmObjective o = mlm(Map.of());
        Map<String, Tensor> p = o.head().namedParameters();
        assertEquals(java.util.Set.of("dense.weight", "dense.bias", "norm.weight", "norm.bias", "bias"), p.keySet());
        assertArrayEquals(new int[] {TestTokenizers.BYTE_VOCAB}, p.get("bias").dims());
        Transformer net = new Transformer(new NaiveBackend(), MODEL, 3);
        Batch b = o.prepare(docs("hello there, general kenobi"), new BatchSpec(2, 16), 1).get(0);
        o.compute(net, b).loss().backward();
        assertTrue(net.tokenEmbeddings().hasGrad(), "the tied decoder trains the token embeddings");
    }

    @Test
    void gatheredLossEqualsTheLossOverEveryPositionWithIgnoredLabels() {
        MlmObjective o = mlm(Map.of());
        Transformer net = new Transformer(new NaiveBackend(), MODEL, 3);
        net.train(false);
        Batch b = o.prepare(docs("the quick brown fox jumps", "over the lazy dog"), new BatchSpec(2, 16), 4).get(0);
        float gathered = o.compute(net, b).loss().item();
        IntTensor ids = b.ints("ids");
        Tensor hidden = net.forward(ModelInput.of(ids).withAttentionMask(b.ints("attention_mask")));
        Tensor all = ((MlmHead) o.head()).forward(Shapes.reshape(hidden, ids.size(), MODEL.dModel()), net.lmHeadWeight());
        float reference = Losses.crossEntropy(all, new IntTensor(b.ints("labels").data(), ids.size())).item();
        assertEquals(reference, gathered, 1e-5f);
    }

    @Test
    void metricsIncludeMaskedAccuracyAndFinishAddsPerplexity() {
        Objective o = mlm(Map.of());
        Transformer net = new Transformer(new NaiveBackend(), MODEL, 3);
        Batch b = o.prepare(docs("hello there, general kenobi, you are a bold one"), new BatchSpec(2, 16), 1).get(0);
        Objective.Output out = o.compute(net, b);
        long masked = java.util.Arrays.stream(b.ints("labels").data()).filter(l -> l != Losses.IGNORE).count();
        assertEquals(masked, out.weight(), 1e-6);
        double acc = out.metrics().get("accuracy");
        assertTrue(acc >= 0 && acc <= 1);
        Map<String, Double> fin = o.finish(out.metrics());
        assertEquals(Math.exp(out.metrics().get("loss")), fin.get("perplexity"), 1e-9);
        assertTrue(fin.get("perplexity") > 50 && fin.get("perplexity") < 1000, "untrained perplexity " + fin.get("perplexity"));
    }
}
