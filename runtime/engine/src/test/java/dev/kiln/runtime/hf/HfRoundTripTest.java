package dev.kiln.runtime.hf;

import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.io.SafetensorsFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.kiln.api.io.SafetensorsWriter;
import dev.kiln.api.io.TensorData;

import java.io.IOException;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.TreeMap;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** save → load gives back the same weights, config and extras; a saved fixture holds the fixture's tensors. */
class HfRoundTripTest {
    private final NaiveBackend be = new NaiveBackend();

    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "bert", "llama"})
    void aLoadedFixtureSavesBackToTheSameTensorsAndConfig(String name) throws IOException {
        HfModel m = HfCheckpoints.load(HfFixtures.dir(name), be);
        Path out = tmp.resolve(name);
        HfCheckpoints.save(m.model(), m.extras(), out, m.architecture());
        try (SafetensorsFile orig = SafetensorsFile.open(HfFixtures.dir(name).resolve("model.safetensors"));
             SafetensorsFile saved = SafetensorsFile.open(out.resolve("model.safetensors"))) {
            assertEquals(orig.names(), saved.names());
            assertEquals("pt", saved.metadata().get("format"));
            for (String n : orig.names()) {
                assertArrayEquals(orig.info(n).shape(), saved.info(n).shape(), n);
                assertArrayEquals(orig.floats(n), saved.floats(n), n);
            }
        }
        HfModel again = HfCheckpoints.load(out, be);
        assertEquals(m.model().config(), again.model().config());
        assertEquals(m.architecture(), again.architecture());
        assertSameTensors(m.model().namedParameters(), again.model().namedParameters());
        assertSameTensors(m.extras(), again.extras());
    }

    @Test
    void aShardedCheckpointLoadsLikeTheSingleFile() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("sharded"));
        Files.copy(HfFixtures.dir("llama").resolve("config.json"), dir.resolve("config.json"));
        Map<String, TensorData> first = new LinkedHashMap<>(), second = new LinkedHashMap<>();
        Map<String, String> weightMap = new TreeMap<>();
        try (SafetensorsFile f = SafetensorsFile.open(HfFixtures.dir("llama").resolve("model.safetensors"))) {
            for (String n : f.names()) {
                boolean one = n.contains("layers.0.") || n.contains("embed");
                (one ? first : second).put(n, TensorData.f32(f.info(n).intShape(), f.floats(n)));
                weightMap.put(n, one ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors");
            }
        }
        SafetensorsWriter.write(dir.resolve("model-00001-of-00002.safetensors"), first, Map.of("format", "pt"));
        SafetensorsWriter.write(dir.resolve("model-00002-of-00002.safetensors"), second, Map.of("format", "pt"));
        Files.writeString(dir.resolve("model.safetensors.index.json"),
                HfFixtures.JSON.writeValueAsString(Map.of("metadata", Map.of(), "weight_map", weightMap)));
        HfModel single = HfCheckpoints.load(HfFixtures.dir("llama"), be), sharded = HfCheckpoints.load(dir, be);
        assertSameTensors(single.model().namedParameters(), sharded.model().namedParameters());
    }

    @Test
    void aRandomKilnLlamaWithGroupedQueriesRoundTrips() throws IOException {
        TransformerConfig cfg = TransformerConfig.llama(50, 32, 2, 4, 2, 48, 64);
        roundTrip(new Transformer(be, cfg, 11), "LlamaForCausalLM");
    }

    @Test
    void aRandomKilnGpt2RoundTripsWithAndWithoutTheTaskPrefix() throws IOException {
        TransformerConfig cfg = TransformerConfig.gpt2(40, 16, 2, 2, 16);
        roundTrip(new Transformer(be, cfg, 12), "GPT2LMHeadModel");
        roundTrip(new Transformer(be, cfg, 13), "GPT2Model");
        try (SafetensorsFile f = SafetensorsFile.open(tmp.resolve("GPT2Model/model.safetensors"))) {
            assertTrue(f.contains("h.0.attn.c_attn.weight"), "a bare GPT2Model has no 'transformer.' prefix: " + f.names());
        }
    }

    @Test
    void aBertWithMlmHeadRoundTripsItsExtras() throws IOException {
        TransformerConfig cfg = TransformerConfig.bert(30, 16, 1, 2, 16);
        Transformer model = new Transformer(be, cfg, 14);
        Random r = new Random(1);
        Map<String, Tensor> extras = Map.of("mlm.dense.weight", random(r, 16, 16), "mlm.dense.bias", random(r, 16),
                "mlm.norm.weight", random(r, 16), "mlm.norm.bias", random(r, 16), "mlm.bias", random(r, 30));
        HfCheckpoints.save(model, extras, tmp.resolve("bert"), "BertForMaskedLM");
        HfModel back = HfCheckpoints.load(tmp.resolve("bert"), be);
        assertEquals("BertForMaskedLM", back.architecture());
        assertSameTensors(model.namedParameters(), back.model().namedParameters());
        assertSameTensors(extras, back.extras());
    }

    @Test
    void anUntiedGpt2StoresItsHead() throws IOException {
        TransformerConfig tied = TransformerConfig.gpt2(40, 16, 1, 2, 16);
        TransformerConfig untied = new TransformerConfig(40, 16, 1, 2, 2, 64, 16, "learned", 10000f, "layernorm", 1e-5f, true,
                "mlp", "gelu_tanh", true, true, false, 0f, 0, false, true, false, 0.02f);
        assertNotEquals(tied, untied);
        roundTrip(new Transformer(be, untied, 15), "GPT2LMHeadModel");
        try (SafetensorsFile f = SafetensorsFile.open(tmp.resolve("GPT2LMHeadModel/model.safetensors"))) {
            assertTrue(f.contains("lm_head.weight"));
        }
    }

    private void roundTrip(Transformer model, String arch) throws IOException {
        Path dir = tmp.resolve(arch);
        HfCheckpoints.save(model, dir, arch);
        HfModel back = HfCheckpoints.load(dir, be);
        assertEquals(arch, back.architecture());
        assertEquals(withoutInitAndDropout(model.config()), withoutInitAndDropout(back.model().config()));
        assertSameTensors(model.namedParameters(), back.model().namedParameters());
        assertTrue(back.extras().isEmpty());
    }

    private static TransformerConfig withoutInitAndDropout(TransformerConfig c) {
        return new TransformerConfig(c.vocab(), c.dModel(), c.layers(), c.heads(), c.kvHeads(), c.dFF(), c.maxSeq(),
                c.positions(), c.ropeTheta(), c.norm(), c.normEps(), c.preNorm(), c.ffn(), c.activation(), c.causal(),
                c.bias(), c.tieEmbeddings(), 0f, c.typeVocab(), c.embedNorm(), c.finalNorm(), c.crossAttention(), 0f);
    }

    private Tensor random(Random r, int... dims) {
        int n = 1;
        for (int d : dims) n *= d;
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) r.nextGaussian();
        return Tensor.of(be, v, dims);
    }

    static void assertSameTensors(Map<String, Tensor> expected, Map<String, Tensor> actual) {
        assertEquals(expected.keySet(), actual.keySet());
        for (var e : expected.entrySet()) {
            assertArrayEquals(e.getValue().dims(), actual.get(e.getKey()).dims(), e.getKey());
            assertArrayEquals(e.getValue().toArray(), actual.get(e.getKey()).toArray(), e.getKey());
        }
    }
}
