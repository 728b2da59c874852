package dev.kiln.runtime.hf;

import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.nn.RopeScaling;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.io.SafetensorsFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
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
    @ValueSource(strings = {"gpt2", "bert", "llama", "llama3", "llama-linear", "llama-dynamic", "mistral", "qwen2", "qwen3", "roberta"})
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
        assertTrue(again.report().isExact(), again.warnings().toString());
        assertEquals(m.model().config(), again.model().config());
        assertEquals(m.architecture(), again.architecture());
        assertSameTensors(m.model().namedParameters(), again.model().namedParameters());
        assertSameTensors(m.extras(), again.extras());
    }

    /** config.json as saved carries each family's settings under transformers' keys. */
    @ParameterizedTest(name = "{0}: {1} = {2}")
    @CsvSource(delimiter = '|', value = {
            "llama3|rope_scaling|{\"rope_type\":\"llama3\",\"type\":\"llama3\",\"factor\":8.0,\"low_freq_factor\":1.0,\"high_freq_factor\":4.0,\"original_max_position_embeddings\":32}",
            "llama-linear|rope_scaling|{\"rope_type\":\"linear\",\"type\":\"linear\",\"factor\":4.0}",
            "llama-linear|head_dim|16",
            "llama-dynamic|rope_scaling|{\"rope_type\":\"dynamic\",\"type\":\"dynamic\",\"factor\":4.0}",
            "llama-dynamic|max_position_embeddings|8",
            "mistral|sliding_window|3",
            "qwen2|use_sliding_window|false",
            "qwen2|sliding_window|null",
            "qwen2|tie_word_embeddings|true",
            "qwen3|head_dim|16",
            "qwen3|attention_bias|false",
            "roberta|pad_token_id|1",
            "roberta|type_vocab_size|1",
            "roberta|max_position_embeddings|34",
            "roberta|architectures|[\"RobertaForMaskedLM\"]"})
    void theSavedConfigHoldsTheFamilysSettings(String name, String key, String json) throws IOException {
        HfModel m = HfCheckpoints.load(HfFixtures.dir(name), be);
        HfCheckpoints.save(m.model(), m.extras(), tmp.resolve(name), m.architecture());
        Map<String, Object> saved = HfFixtures.json(tmp.resolve(name).resolve("config.json"));
        assertTrue(saved.containsKey(key), key + " missing from " + saved);
        assertEquals(dev.kiln.runtime.io.JsonValues.plain(dev.kiln.api.io.Json.parse(json, "expected")), saved.get(key));
    }

    @Test
    void aLegacyBertSavesUnderCurrentNamesWithoutTheTensorsItDidNotUse() throws IOException {
        HfModel m = HfCheckpoints.load(HfFixtures.dir("bert-legacy"), be);
        HfCheckpoints.save(m.model(), m.extras(), tmp.resolve("b"), m.architecture());
        try (SafetensorsFile saved = SafetensorsFile.open(tmp.resolve("b/model.safetensors"))) {
            assertTrue(saved.contains("bert.embeddings.LayerNorm.weight") && saved.contains("bert.encoder.layer.1.output.LayerNorm.bias"));
            assertTrue(saved.names().stream().noneMatch(n -> n.endsWith("gamma") || n.endsWith("beta") || n.contains("pooler")
                    || n.contains("seq_relationship") || n.contains("position_ids")), saved.names().toString());
        }
        HfModel again = HfCheckpoints.load(tmp.resolve("b"), be);
        assertTrue(again.report().isExact(), again.warnings().toString());
        assertSameTensors(m.model().namedParameters(), again.model().namedParameters());
        assertSameTensors(m.extras(), again.extras());
    }

    @Test
    void randomKilnModelsOfEveryLlamaLikeFamilyRoundTrip() throws IOException {
        TransformerConfig base = TransformerConfig.llama(50, 32, 2, 4, 2, 48, 64);
        roundTrip(new Transformer(be, base.toBuilder().bias(true).ropeScaling(RopeScaling.llama3(8f, 1f, 4f, 16)).build(), 21), "LlamaForCausalLM");
        roundTrip(new Transformer(be, base.toBuilder().headDim(12).ropeScaling(RopeScaling.dynamic(2f, 64)).tieEmbeddings(true).build(), 22), "LlamaModel");
        roundTrip(new Transformer(be, base.toBuilder().slidingWindow(5).build(), 23), "MistralForCausalLM");
        roundTrip(new Transformer(be, base.toBuilder().qkvBias(true).slidingWindow(7).tieEmbeddings(true).build(), 24), "Qwen2ForCausalLM");
        roundTrip(new Transformer(be, base.toBuilder().qkNorm(true).headDim(12).ropeScaling(RopeScaling.linear(2f)).build(), 25), "Qwen3ForCausalLM");
        roundTrip(new Transformer(be, base.toBuilder().qkNorm(true).tieEmbeddings(true).build(), 26), "Qwen3Model");
        roundTrip(new Transformer(be, base.toBuilder().attentionBias(true).build(), 28), "LlamaForCausalLM");
        roundTrip(new Transformer(be, base.toBuilder().mlpBias(true).build(), 29), "LlamaForCausalLM");
        roundTrip(new Transformer(be, base.toBuilder().qkNorm(true).attentionBias(true).build(), 30), "Qwen3ForCausalLM");
    }

    @Test
    void aRandomKilnRobertaWithMlmHeadRoundTripsItsPositionOffset() throws IOException {
        TransformerConfig cfg = TransformerConfig.bert(30, 16, 1, 2, 18).toBuilder().positionOffset(2).typeVocab(1).normEps(1e-5f).build();
        Transformer model = new Transformer(be, cfg, 27);
        Random r = new Random(2);
        Map<String, Tensor> extras = Map.of("mlm.dense.weight", random(r, 16, 16), "mlm.dense.bias", random(r, 16),
                "mlm.norm.weight", random(r, 16), "mlm.norm.bias", random(r, 16), "mlm.bias", random(r, 30));
        HfCheckpoints.save(model, extras, tmp.resolve("roberta"), "RobertaForMaskedLM");
        HfModel back = HfCheckpoints.load(tmp.resolve("roberta"), be);
        assertEquals(cfg, back.model().config());
        assertSameTensors(model.namedParameters(), back.model().namedParameters());
        assertSameTensors(extras, back.extras());
        try (SafetensorsFile f = SafetensorsFile.open(tmp.resolve("roberta/model.safetensors"))) {
            assertTrue(f.contains("lm_head.layer_norm.weight") && f.contains("roberta.embeddings.position_embeddings.weight"), f.names().toString());
            assertFalse(f.contains("lm_head.decoder.weight"), "the decoder is tied to the word embeddings");
        }
    }

    @Test
    void aShardedBf16CheckpointLoadsLikeTheSingleFile() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("sharded"));
        Files.copy(HfFixtures.dir("llama").resolve("config.json"), dir.resolve("config.json"));
        Map<String, TensorData> first = new LinkedHashMap<>(), second = new LinkedHashMap<>();
        Map<String, String> weightMap = new TreeMap<>();
        try (SafetensorsFile f = SafetensorsFile.open(HfFixtures.dir("llama").resolve("model.safetensors"))) {
            for (String n : f.names()) {
                boolean one = n.contains("layers.0.") || n.contains("embed");
                (one ? first : second).put(n, TensorData.raw(f.info(n).dtype(), f.info(n).shape(), f.bytes(n)));   // BF16 as stored
                weightMap.put(n, one ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors");
            }
        }
        SafetensorsWriter.write(dir.resolve("model-00001-of-00002.safetensors"), first, Map.of("format", "pt"));
        SafetensorsWriter.write(dir.resolve("model-00002-of-00002.safetensors"), second, Map.of("format", "pt"));
        Files.writeString(dir.resolve("model.safetensors.index.json"),
                dev.kiln.api.io.Json.write(Map.of("metadata", Map.of(), "weight_map", weightMap)));
        try (SafetensorsFile shard = SafetensorsFile.open(dir.resolve("model-00002-of-00002.safetensors"))) {
            assertEquals("BF16", shard.info("model.norm.weight").dtype().toString());
        }
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
        TransformerConfig untied = TransformerConfig.gpt2(40, 16, 1, 2, 16).toBuilder().tieEmbeddings(false).build();
        assertNotEquals(tied, untied);
        roundTrip(new Transformer(be, untied, 15), "GPT2LMHeadModel");
        try (SafetensorsFile f = SafetensorsFile.open(tmp.resolve("GPT2LMHeadModel/model.safetensors"))) {
            assertTrue(f.contains("lm_head.weight"));
        }
    }

    private int saves;

    private void roundTrip(Transformer model, String arch) throws IOException {
        Path dir = tmp.resolve(arch);
        if (java.nio.file.Files.exists(dir)) dir = tmp.resolve(arch + "-" + ++saves);   // a second model of one class
        HfCheckpoints.save(model, dir, arch);
        HfModel back = HfCheckpoints.load(dir, be);
        assertEquals(arch, back.architecture());
        assertEquals(withoutInitAndDropout(model.config()), withoutInitAndDropout(back.model().config()));
        assertSameTensors(model.namedParameters(), back.model().namedParameters());
        assertTrue(back.extras().isEmpty());
    }

    private static TransformerConfig withoutInitAndDropout(TransformerConfig c) {
        return c.toBuilder().dropout(0f).initStd(0f).build();
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
