package dev.kiln.finetune.prefix;

import dev.kiln.api.autograd.GradMode;
import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.config.Config;
import dev.kiln.api.config.ConfigException;
import dev.kiln.api.finetune.FineTunerContract;
import dev.kiln.api.finetune.FineTunerFactory;
import dev.kiln.api.nn.KVCache;
import dev.kiln.api.nn.KeyValuePrefix;
import dev.kiln.api.nn.ModelInput;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.objective.ObjectiveContext;
import dev.kiln.api.ops.Shapes;
import dev.kiln.api.tensor.IntTensor;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.testing.TestTokenizers;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

import static org.junit.jupiter.api.Assertions.*;

class PrefixTuningFineTunerTest {
    static final TransformerConfig GPT2 = TransformerConfig.gpt2(TestTokenizers.BYTE_VOCAB, 16, 2, 2, 32);
    static final TransformerConfig LLAMA = TransformerConfig.llama(TestTokenizers.BYTE_VOCAB, 16, 2, 4, 2, 32, 16);   // W = 2 · 4 = 8

    static PrefixTuningFineTuner prefix(Map<String, Object> cfg, long seed) {
        ObjectiveContext ctx = new ObjectiveContext(TestTokenizers.bytes(), new NaiveBackend(), GPT2, seed);
        return (PrefixTuningFineTuner) new PrefixTuningFineTunerFactory().create(new Config("finetune 'prefix-tuning'", cfg), ctx);
    }

    static PrefixTuningFineTuner prefix(Map<String, Object> cfg) { return prefix(cfg, 1); }

    static Transformer model(TransformerConfig c) { return new Transformer(new NaiveBackend(), c, 1); }

    static float[] row(float[] values, int width, int r) { return Arrays.copyOfRange(values, r * width, (r + 1) * width); }

    @Test
    void isDiscoveredAsAParametersMethod() {
        FineTunerFactory found = null;
        for (FineTunerFactory f : ServiceLoader.load(FineTunerFactory.class)) if (f.name().equals("prefix-tuning")) found = f;
        assertNotNull(found, "prefix-tuning is not registered in META-INF/services");
        assertEquals(FineTunerFactory.Role.PARAMETERS, found.role());
    }

    @Test
    void onlyThePrefixAndTheHeadsTrain() {
        Transformer m = model(LLAMA);
        long before = m.parameterCount();
        Transformer.Group heads = new Transformer.Group();
        Tensor head = heads.add("classifier.weight", Tensor.zeros(new NaiveBackend(), 3, 16));
        head.requiresGrad(false);
        PrefixTuningFineTuner t = prefix(Map.of("num_virtual_tokens", 5));
        t.configure(m, heads);
        List<String> prefixNames = List.of("blocks.0.attn.prefix.keys", "blocks.0.attn.prefix.values", "blocks.1.attn.prefix.keys", "blocks.1.attn.prefix.values");
        assertEquals(prefixNames, FineTunerContract.namesWhere(m, true));
        assertArrayEquals(new int[] {5, 8}, m.blocks().get(1).attention().prefix().values().dims(), "[P, Hkv·D]");
        assertTrue(head.requiresGrad(), "the heads train");
        long prefixSize = 2L * 2 * 5 * 8;
        assertEquals(prefixSize + 3 * 16, t.parameterReport().trainable());
        assertEquals(before + prefixSize + 3 * 16, t.parameterReport().total());
        List<String> state = List.copyOf(t.trainableState(m).keySet());
        assertEquals(prefixNames, state.subList(0, 4));
        assertEquals(List.of("heads.classifier.weight"), state.subList(4, state.size()));
    }

    /**
     * sample_vocab: the prefix is the frozen model's own cache over sampled tokens. Layer 0's key
     * at position t depends on token t alone, which recovers the tokens; every layer's keys and
     * values must then equal the plain model's cache over them.
     */
    @Test
    void sampleVocabInitIsTheModelsOwnKeysAndValuesForSampledTokens() {
        int p = 4, w = GPT2.dModel(), v = GPT2.vocab();
        Transformer m = model(GPT2), plain = model(GPT2);
        prefix(Map.of("num_virtual_tokens", p), 7).configure(m, null);
        plain.train(false);
        try (var g = GradMode.noGrad()) {
            int[] every = new int[v * p];
            for (int i = 0; i < every.length; i++) every[i] = i / p;                 // row r reads token r at every position
            KVCache all = new KVCache(GPT2.layers());
            plain.forward(ModelInput.of(new IntTensor(every, v, p)).withCache(all));
            float[] layer0 = all.keys(0).toArray();                                  // [V, P, W]
            float[] k0 = m.blocks().get(0).attention().prefix().keys().toArray();
            int[] ids = new int[p];
            for (int t = 0; t < p; t++) {
                ids[t] = -1;
                for (int r = 0; r < v && ids[t] < 0; r++) if (Arrays.equals(row(k0, w, t), row(layer0, w, r * p + t))) ids[t] = r;
                assertTrue(ids[t] >= 0, "prefix key row " + t + " is no token's layer-0 key at that position");
            }
            KVCache cache = new KVCache(GPT2.layers());
            plain.forward(ModelInput.of(new IntTensor(ids, 1, p)).withCache(cache));
            for (int l = 0; l < GPT2.layers(); l++) {
                KeyValuePrefix kv = m.blocks().get(l).attention().prefix();
                assertArrayEquals(Shapes.reshape(cache.keys(l), p, w).toArray(), kv.keys().toArray(), "layer " + l + " keys");
                assertArrayEquals(Shapes.reshape(cache.values(l), p, w).toArray(), kv.values().toArray(), "layer " + l + " values");
            }
        }
        Transformer same = model(GPT2), other = model(GPT2);
        prefix(Map.of("num_virtual_tokens", p), 7).configure(same, null);
        prefix(Map.of("num_virtual_tokens", p), 8).configure(other, null);
        float[] mine = m.blocks().get(1).attention().prefix().values().toArray();
        assertArrayEquals(mine, same.blocks().get(1).attention().prefix().values().toArray(), "the same seed samples the same tokens");
        assertFalse(Arrays.equals(mine, other.blocks().get(1).attention().prefix().values().toArray()), "another seed samples others");
        assertTrue(m.isTraining(), "the init pass restores training mode");
    }

    @Test
    void randomInitIsNoiseAtTheModelsInitScaleAndRotaryNeedsNoRoomInMaxSeq() {
        Transformer m = model(LLAMA);
        prefix(Map.of("num_virtual_tokens", 40, "init", "random")).configure(m, null);   // more rows than max_seq: rotary has no table to overrun
        double sq = 0;
        int n = 0;
        for (KeyValuePrefix kv : PrefixTuningFineTuner.prefixes(m))
            for (Tensor t : List.of(kv.keys(), kv.values()))
                for (float x : t.toArray()) {
                    sq += x * x;
                    n++;
                }
        double std = Math.sqrt(sq / n);
        assertTrue(std > 0.8 * LLAMA.initStd() && std < 1.2 * LLAMA.initStd(), "std " + std + " vs init std " + LLAMA.initStd());

        Transformer small = model(LLAMA);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> prefix(Map.of("num_virtual_tokens", 40)).configure(model(GPT2), null));
        assertTrue(e.getMessage().contains("num_virtual_tokens") && e.getMessage().contains("max_seq"), e.getMessage());
        IllegalArgumentException random = assertThrows(IllegalArgumentException.class,      // real tokens are numbered after the prefix
                () -> prefix(Map.of("num_virtual_tokens", 40, "init", "random")).configure(model(GPT2), null));
        assertTrue(random.getMessage().contains("learned positions"), random.getMessage());
        assertDoesNotThrow(() -> prefix(Map.of("num_virtual_tokens", 40)).configure(small, null), "rotary: no position table to overrun");
    }

    @Test
    void aSavedPrefixOfTheSameLengthKeepsTrainingAndAnotherLengthIsAnError() {
        Transformer m = model(GPT2);
        m.attachPrefix(3);
        KeyValuePrefix kv = m.blocks().get(0).attention().prefix();
        float[] values = new float[3 * 16];
        for (int i = 0; i < values.length; i++) values[i] = i / 100f;
        kv.keys().copyFrom(values);
        prefix(Map.of("num_virtual_tokens", 3)).configure(m, null);
        assertSame(kv, m.blocks().get(0).attention().prefix());
        assertArrayEquals(values, kv.keys().toArray(), "the saved prefix is not re-initialised");
        assertEquals(4, FineTunerContract.namesWhere(m, true).size());

        IllegalStateException e = assertThrows(IllegalStateException.class, () -> prefix(Map.of("num_virtual_tokens", 4)).configure(m, null));
        assertTrue(e.getMessage().contains("num_virtual_tokens"), e.getMessage());
    }

    @Test
    void configErrorsNameTheirKeys() {
        Map<String, Map<String, Object>> bad = new HashMap<>();
        bad.put("num_virtual_tokens", Map.of("num_virtual_tokens", -1));
        bad.put("init", Map.of("init", "text"));
        bad.put("task_type", Map.of("task_type", "LM"));
        bad.put("prefix_projection", Map.of("prefix_projection", true));
        for (var e : bad.entrySet()) {
            ConfigException ex = assertThrows(ConfigException.class, () -> prefix(e.getValue()), e.getKey());
            assertTrue(ex.getMessage().contains("'" + e.getKey() + "'"), ex.getMessage());
        }
        ConfigException projection = assertThrows(ConfigException.class, () -> prefix(Map.of("prefix_projection", true)));
        assertTrue(projection.getMessage().contains("not supported"), projection.getMessage());
        assertDoesNotThrow(() -> prefix(Map.of("prefix_projection", false)));
        assertEquals("SEQ_CLS", prefix(Map.of("task_type", "seq_cls")).config().taskType());
    }
}
