package dev.kiln.runtime.hf;

import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.io.SafetensorsFile;
import dev.kiln.api.io.SafetensorsWriter;
import dev.kiln.api.io.TensorData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Loading follows transformers' from_pretrained: legacy names are fixed, buffers skipped, tensors the
 * architecture has no place for are reported as unused, tensors it has but the file lacks are
 * initialized and reported, in transformers' words ({@link LoadReport#warnings()}).
 */
class HfLoadingPolicyTest {
    private final NaiveBackend be = new NaiveBackend();

    @TempDir
    Path tmp;

    @Test
    void aLegacyBertForMaskedLmLoadsWithItsUnusedPretrainingTensorsReported() throws Exception {
        Path dir = HfFixtures.dir("bert-legacy");
        HfModel m = HfCheckpoints.load(dir, be);
        Map<String, Object> ref = HfFixtures.reference("bert-legacy");
        assertEquals("BertForMaskedLM", m.architecture());
        LoadReport r = m.report();
        assertEquals(List.of("bert.pooler.dense.bias", "bert.pooler.dense.weight", "cls.seq_relationship.bias", "cls.seq_relationship.weight"),
                r.unused());
        assertEquals(ref.get("unused"), r.unused());
        assertEquals(List.of(), r.newlyInitialized());
        assertEquals(((Number) ref.get("renamed")).intValue(), r.renamed().size());                    // every LayerNorm: 2 + 2 per layer + the MLM head's
        assertEquals("bert.embeddings.LayerNorm.weight", r.renamed().get("bert.embeddings.LayerNorm.gamma"));
        assertEquals("cls.predictions.transform.LayerNorm.bias", r.renamed().get("cls.predictions.transform.LayerNorm.beta"));
        assertEquals(List.of("Some weights of the model checkpoint at " + dir + " were not used when initializing BertForMaskedLM: "
                + r.unused()), r.warnings().stream().map(w -> w.substring(0, w.indexOf(" (expected when"))).toList());
        assertFalse(m.extras().containsKey("nsp.pooler.weight"), "BertForMaskedLM has no pooler");
        try (SafetensorsFile f = SafetensorsFile.open(dir.resolve("model.safetensors"))) {
            assertTrue(f.contains("bert.embeddings.position_ids") && f.contains("bert.encoder.layer.0.output.LayerNorm.gamma"),
                    "the fixture is legacy: " + f.names());
            assertArrayEquals(f.floats("bert.encoder.layer.0.output.LayerNorm.gamma"),
                    m.model().namedParameters().get("blocks.0.norm2.weight").toArray(), "gamma loads as the weight");
        }
    }

    @Test
    void aBertModelWithoutItsPoolerGetsOneNewlyInitializedAndReported() throws Exception {
        // the pretraining file read as a bare BertModel: its heads are unused, and here the pooler is missing too
        Path dir = HfFixtures.copy("bert", tmp.resolve("m"), (n, t) -> n.startsWith("bert.pooler.") ? null : t);
        HfFixtures.setConfig(dir, "architectures", List.of("BertModel"));
        HfModel m = HfCheckpoints.load(dir, be);
        LoadReport r = m.report();
        assertEquals(List.of("bert.pooler.dense.bias", "bert.pooler.dense.weight"), r.newlyInitialized());
        assertEquals(List.of("cls.predictions.bias", "cls.predictions.transform.LayerNorm.bias", "cls.predictions.transform.LayerNorm.weight",
                "cls.predictions.transform.dense.bias", "cls.predictions.transform.dense.weight", "cls.seq_relationship.bias",
                "cls.seq_relationship.weight"), r.unused());
        assertEquals(2, r.warnings().size());
        assertTrue(r.warnings().get(1).startsWith("Some weights of BertModel were not initialized from the model checkpoint at " + dir
                + " and are newly initialized: [bert.pooler.dense.bias, bert.pooler.dense.weight]"), r.warnings().get(1));
        Tensor w = m.extras().get("nsp.pooler.weight"), b = m.extras().get("nsp.pooler.bias");
        assertArrayEquals(new int[] {32, 32}, w.dims());
        assertArrayEquals(new float[32], b.toArray(), "a new bias starts at 0");
        double sq = 0;
        for (float v : w.toArray()) sq += v * v;
        double std = Math.sqrt(sq / w.size());
        assertEquals(0.02, std, 0.005, "a new weight is drawn from N(0, initializer_range)");
    }

    @Test
    void aMissingBackboneTensorIsNewlyInitializedAndNamed() throws Exception {
        Path dir = HfFixtures.copy("gpt2", tmp.resolve("m"), (n, t) -> n.equals("transformer.h.1.ln_2.weight") ? null : t);
        HfModel m = HfCheckpoints.load(dir, be);
        assertEquals(List.of("transformer.h.1.ln_2.weight"), m.report().newlyInitialized());
        assertEquals(List.of(), m.report().unused());
        float[] ones = new float[32];
        java.util.Arrays.fill(ones, 1f);
        assertArrayEquals(ones, m.model().namedParameters().get("blocks.1.norm2.weight").toArray(), "a new LayerNorm scale is 1");
        assertTrue(m.warnings().get(0).contains("are newly initialized: [transformer.h.1.ln_2.weight]"), m.warnings().toString());
    }

    @Test
    void tensorsWithoutAPlaceAreUnusedAndNamed() throws Exception {
        Path dir = HfFixtures.copy("llama", tmp.resolve("m"), (n, t) -> t);
        HfFixtures.setConfig(dir, "num_hidden_layers", 1);                                              // layer 1's tensors have no place
        HfModel m = HfCheckpoints.load(dir, be);
        assertEquals(9, m.report().unused().size());
        assertTrue(m.report().unused().stream().allMatch(n -> n.startsWith("model.layers.1.")), m.report().unused().toString());
        assertTrue(m.warnings().get(0).startsWith("Some weights of the model checkpoint at " + dir
                + " were not used when initializing LlamaForCausalLM: [model.layers.1.input_layernorm.weight, "), m.warnings().toString());
    }

    @Test
    void anExactFileReportsNothing() throws Exception {
        HfModel m = HfCheckpoints.load(HfFixtures.dir("roberta"), be);
        assertTrue(m.report().isExact());
        assertEquals(List.of(), m.warnings());
        assertEquals(Map.of(), m.report().renamed());
    }

    @Test
    void aLegacyNameNextToItsCurrentNameIsRefusedNamingBoth() throws Exception {
        Path dir = HfFixtures.copy("bert", tmp.resolve("m"), (n, t) -> t);
        Map<String, TensorData> all = new LinkedHashMap<>();
        try (SafetensorsFile f = SafetensorsFile.open(dir.resolve("model.safetensors"))) {
            for (String n : f.names()) all.put(n, TensorData.f32(f.info(n).intShape(), f.floats(n)));
        }
        all.put("bert.embeddings.LayerNorm.gamma", all.get("bert.embeddings.LayerNorm.weight"));
        SafetensorsWriter.write(dir.resolve("model.safetensors"), all);
        String msg = assertThrows(HfCheckpointException.class, () -> HfCheckpoints.load(dir, be)).getMessage();
        assertTrue(msg.contains("tensors 'bert.embeddings.LayerNorm.gamma' and 'bert.embeddings.LayerNorm.weight' both load as "
                + "'bert.embeddings.LayerNorm.weight'"), msg);
    }
}
