package dev.kiln.objective.dae;

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
import dev.kiln.api.ops.Losses;
import dev.kiln.api.testing.TestTokenizers;
import dev.kiln.api.tokenizer.Tokenizer;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

import static org.junit.jupiter.api.Assertions.*;

class DaeObjectiveTest {
    static final Tokenizer TOK = TestTokenizers.bytes();
    static final TransformerConfig MODEL = TransformerConfig.bert(TestTokenizers.BYTE_VOCAB, 16, 1, 2, 32);
    static final int EOS = 256, PAD = 257, MASK = 258;

    static Objective dae(Map<String, Object> cfg) {
        return new DaeObjectiveFactory().create(new Config("objective 'dae'", cfg), new ObjectiveContext(TOK, new NaiveBackend(), MODEL, 1));
    }

    static Dataset docs(String... texts) {
        return new Dataset("t", java.util.Arrays.stream(texts).map(t -> Example.text(t, "t")).toList());
    }

    static Map<String, Object> noNoise() {
        return Map.of("infill_rate", 0, "permute_rate", 0, "shuffle", false);
    }

    @Test
    void isDiscoveredByServiceLoader() {
        boolean found = false;
        for (ObjectiveFactory f : ServiceLoader.load(ObjectiveFactory.class)) found |= f.name().equals("dae");
        assertTrue(found);
    }

    @Test
    void batchHoldsCorruptedEncoderInputShiftedDecoderInputAndTargets() {
        Batch b = dae(noNoise()).prepare(docs("abc", "de"), new BatchSpec(2, 5), 1).get(0);
        assertArrayEquals(new int[] {'a', 'b', 'c', PAD, PAD, 'd', 'e', PAD, PAD, PAD}, b.ints("enc_ids").data());
        assertArrayEquals(new int[] {1, 1, 1, 0, 0, 1, 1, 0, 0, 0}, b.ints("enc_mask").data());
        assertArrayEquals(new int[] {EOS, 'a', 'b', 'c', PAD, EOS, 'd', 'e', PAD, PAD}, b.ints("dec_ids").data());
        int I = Losses.IGNORE;
        assertArrayEquals(new int[] {'a', 'b', 'c', EOS, I, 'd', 'e', EOS, I, I}, b.ints("targets").data());
    }

    @Test
    void longDocumentsAreCutToLeaveRoomForEos() {
        Batch b = dae(noNoise()).prepare(docs("abcdefgh"), new BatchSpec(1, 4), 1).get(0);
        assertArrayEquals(new int[] {'a', 'b', 'c', EOS}, b.ints("targets").data());
        assertArrayEquals(new int[] {'a', 'b', 'c', PAD}, b.ints("enc_ids").data());
    }

    @Test
    void infillingShowsUpInTheEncoderInputOnly() {
        Batch b = dae(Map.of("infill_rate", 0.5, "permute_rate", 0)).prepare(docs("the quick brown fox jumps"), new BatchSpec(1, 32), 3).get(0);
        int[] enc = b.ints("enc_ids").data();
        assertTrue(java.util.Arrays.stream(enc).anyMatch(t -> t == MASK), "no [MASK] in " + java.util.Arrays.toString(enc));
        assertEquals("the quick brown fox jumps", TOK.decode(java.util.Arrays.stream(b.ints("targets").data()).filter(t -> t >= 0 && t < 256).toArray()));
    }

    @Test
    void decoderSharesTheBackboneTokenEmbeddingAndIsCausalWithCrossAttention() {
        DaeTextObjective o = (DaeTextObjective) dae(Map.of());
        assertTrue(o.head().namedParameters().keySet().stream().noneMatch(k -> k.contains("tokens")), o.head().namedParameters().keySet().toString());
        assertTrue(o.head().namedParameters().keySet().stream().anyMatch(k -> k.startsWith("decoder.blocks.0.cross.")));
        Transformer net = new Transformer(new NaiveBackend(), MODEL, 2);
        Batch b = o.prepare(docs("hello there"), new BatchSpec(1, 16), 1).get(0);
        o.compute(net, b).loss().backward();
        float[] g = net.tokenEmbeddings().grad().toArray();
        // row EOS is read only by the decoder (its start token), so its gradient proves the sharing
        boolean eosRow = false;
        for (int c = 0; c < 16; c++) eosRow |= g[EOS * 16 + c] != 0;
        assertTrue(eosRow, "the decoder's inputs do not go through the backbone's token embeddings");
    }

    @Test
    void copyBaselineCountsPositionsWhereTheCorruptedInputEqualsTheOriginal() {
        Transformer net = new Transformer(new NaiveBackend(), MODEL, 2);
        Batch batch = dae(noNoise()).prepare(docs("abc"), new BatchSpec(1, 8), 1).get(0);
        Objective o = dae(noNoise());
        assertFalse(o.compute(net, batch).metrics().containsKey("accuracy"), "training steps keep the logits on the backend");
        net.train(false);
        o.head().train(false);
        Objective.Output out = o.compute(net, batch);
        assertEquals(1.0, out.metrics().get("copy_accuracy"), 1e-12, "without noise, copying is perfect");
        assertEquals(4, out.weight());
        assertTrue(out.metrics().get("accuracy") <= 1.0);
    }

    @Test
    void configIsStrictPerMode() {
        ConfigException e = assertThrows(ConfigException.class, () -> dae(Map.of("gaussian_std", 0.2)));
        assertTrue(e.getMessage().contains("gaussian_std") && e.getMessage().contains("continuous"), e.getMessage());
        ConfigException t = assertThrows(ConfigException.class, () -> dae(Map.of("mode", "continuous", "feature_dim", 3, "infill_rate", 0.1)));
        assertTrue(t.getMessage().contains("infill_rate"), t.getMessage());
        assertThrows(ConfigException.class, () -> dae(Map.of("mode", "continuous")), "feature_dim is required");
        assertThrows(ConfigException.class, () -> dae(Map.of("mask_rate", 1.5)));
        ConfigException u = assertThrows(ConfigException.class, () -> dae(Map.of("noise", 0.1)));
        assertTrue(u.getMessage().contains("poisson_lambda"), u.getMessage());
    }

    @Test
    void rejectsACausalBackbone() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> dae(Map.of()).checkModel(TransformerConfig.gpt2(TestTokenizers.BYTE_VOCAB, 16, 1, 2, 32)));
        assertTrue(e.getMessage().contains("model.causal"), e.getMessage());
    }

    @Test
    void continuousModeReadsJsonlFeatureListsAndChecksTheirWidth() {
        Objective o = dae(Map.of("mode", "continuous", "feature_dim", 2, "gaussian_std", 0.0, "shuffle", false));
        Example ok = new Example(Map.of("features", List.of(List.of(1.0, 2.0), List.of(3, 4))), "f.jsonl:1", null);
        Batch b = o.prepare(new Dataset("f", List.of(ok)), new BatchSpec(1, 3), 1).get(0);
        assertArrayEquals(new float[] {1, 2, 3, 4, 0, 0}, b.floats("clean").data());
        assertArrayEquals(new float[] {1, 2, 3, 4, 0, 0}, b.floats("noisy").data());
        assertArrayEquals(new int[] {1, 1, 0}, b.ints("mask").data());
        Transformer net = new Transformer(new NaiveBackend(), MODEL, 2);
        assertEquals(0.0, o.compute(net, b).metrics().get("copy_loss"), 1e-12);
        Example bad = new Example(Map.of("features", List.of(List.of(1.0, 2.0, 3.0))), "f.jsonl:2", null);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> o.prepare(new Dataset("f", List.of(bad)), new BatchSpec(1, 3), 1));
        assertTrue(e.getMessage().contains("f.jsonl:2") && e.getMessage().contains("feature_dim"), e.getMessage());
    }
}
