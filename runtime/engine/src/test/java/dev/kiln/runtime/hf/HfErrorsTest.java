package dev.kiln.runtime.hf;

import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.io.TensorData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Checkpoints Kiln cannot take are refused with the file, the names expected and the names found. */
class HfErrorsTest {
    private final NaiveBackend be = new NaiveBackend();

    @TempDir
    Path tmp;

    @Test
    void aFileWithNoneOfTheBackbonesTensorsIsRefusedWithWhatWasExpectedAndFound() throws Exception {
        Path dir = HfFixtures.copy("gpt2", tmp.resolve("m"), (n, t) -> t);
        Files.copy(HfFixtures.dir("llama").resolve("config.json"), dir.resolve("config.json"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        String msg = assertThrows(HfCheckpointException.class, () -> HfCheckpoints.load(dir, be)).getMessage();
        assertTrue(msg.contains(dir.resolve("model.safetensors").toString()), msg);
        assertTrue(msg.contains("none of the tensors of LlamaForCausalLM"), msg);
        assertTrue(msg.contains("expected 21: ") && msg.contains("model.layers.{0-1}.mlp.up_proj.weight"), msg);
        assertTrue(msg.contains("found 28: ") && msg.contains("transformer.h.{0-1}.ln_2.bias"), msg);
    }

    @Test
    void oldBuffersAreSkippedButATiedCopyMustMatch() throws Exception {
        Path dir = HfFixtures.copy("gpt2", tmp.resolve("m"), (n, t) -> t);
        Path legacy = HfFixtures.copy("gpt2", tmp.resolve("legacy"), (n, t) -> t);
        // a GPT-2 checkpoint from an older transformers: the causal-mask buffer and a stored copy of the tied head
        var withBuffer = new java.util.LinkedHashMap<String, TensorData>();
        try (var f = dev.kiln.api.io.SafetensorsFile.open(dir.resolve("model.safetensors"))) {
            for (String n : f.names()) withBuffer.put(n, TensorData.f32(f.info(n).intShape(), f.floats(n)));
            withBuffer.put("transformer.h.0.attn.bias", TensorData.f32(new int[] {1, 1, 2, 2}, new float[] {1, 0, 1, 1}));
            withBuffer.put("lm_head.weight", TensorData.f32(f.info("transformer.wte.weight").intShape(), f.floats("transformer.wte.weight")));
        }
        dev.kiln.api.io.SafetensorsWriter.write(legacy.resolve("model.safetensors"), withBuffer);
        assertDoesNotThrow(() -> HfCheckpoints.load(legacy, be));
        withBuffer.put("lm_head.weight", TensorData.f32(new int[] {262, 32}, new float[262 * 32])); // untied in fact
        dev.kiln.api.io.SafetensorsWriter.write(legacy.resolve("model.safetensors"), withBuffer);
        String msg = assertThrows(HfCheckpointException.class, () -> HfCheckpoints.load(legacy, be)).getMessage();
        assertTrue(msg.contains("'lm_head.weight' differs from 'transformer.wte.weight'"), msg);
    }

    @Test
    void aWrongShapeNamesTheTensorAndBothShapes() throws Exception {
        Path dir = HfFixtures.copy("bert", tmp.resolve("m"), (n, t) -> t);
        HfFixtures.setConfig(dir, "intermediate_size", 48);
        String msg = assertThrows(HfCheckpointException.class, () -> HfCheckpoints.load(dir, be)).getMessage();
        assertTrue(msg.contains("tensor 'bert.encoder.layer.0.intermediate.dense.weight' has shape [64, 32], config.json implies [48, 32]"), msg);
    }

    @Test
    void anUnknownArchitectureListsTheKnownOnes() throws Exception {
        Path dir = HfFixtures.copy("llama", tmp.resolve("m"), (n, t) -> t);
        HfFixtures.setConfig(dir, "architectures", List.of("LlamaForSequenceClassification"));
        String msg = assertThrows(HfCheckpointException.class, () -> HfCheckpoints.load(dir, be)).getMessage();
        assertTrue(msg.contains("config.json: key 'architectures' is [LlamaForSequenceClassification]: unknown architecture"), msg);
        assertTrue(msg.contains("BertForMaskedLM, BertForPreTraining, BertForSequenceClassification, BertModel, GPT2LMHeadModel, GPT2Model, LlamaForCausalLM, LlamaModel, "
                + "MistralForCausalLM, MistralModel, Qwen2ForCausalLM, Qwen2Model, Qwen3ForCausalLM, Qwen3Model, RobertaForMaskedLM, RobertaModel"), msg);
    }

    @Test
    void anUnknownModelTypeListsTheSupportedOnes() throws Exception {
        Path dir = HfFixtures.copy("llama", tmp.resolve("m"), (n, t) -> t);
        HfFixtures.setConfig(dir, "model_type", "t5");
        HfFixtures.setConfig(dir, "architectures", List.of("T5ForConditionalGeneration"));
        String msg = assertThrows(HfCheckpointException.class, () -> HfCheckpoints.load(dir, be)).getMessage();
        assertTrue(msg.contains("config.json: key 'model_type' is 't5': unknown model type (supported: gpt2, bert, roberta, llama, mistral, qwen2, qwen3)"), msg);
        HfFixtures.setConfig(dir, "architectures", null);
        assertEquals(msg, assertThrows(HfCheckpointException.class, () -> HfCheckpoints.load(dir, be)).getMessage());
    }

    @Test
    void unsupportedConfigFeaturesAreNamed() throws Exception {
        Path dir = HfFixtures.copy("llama", tmp.resolve("m"), (n, t) -> t);
        HfFixtures.setConfig(dir, "rope_scaling", Map.of("rope_type", "yarn", "factor", 4.0, "original_max_position_embeddings", 32));
        assertMessage(dir, "key 'rope_scaling' has rope_type 'yarn'; supported: default, linear, dynamic, llama3");
        HfFixtures.setConfig(dir, "rope_scaling", Map.of("type", "longrope", "factor", 4.0));           // the legacy key
        assertMessage(dir, "key 'rope_scaling' has rope_type 'longrope'");
        HfFixtures.setConfig(dir, "rope_scaling", Map.of("rope_type", "llama3", "factor", 8.0));
        assertMessage(dir, "key 'rope_scaling' needs 'low_freq_factor' for rope_type llama3");
        Path qwen = HfFixtures.copy("qwen2", tmp.resolve("q"), (n, t) -> t);
        HfFixtures.setConfig(qwen, "use_sliding_window", true);                                         // max_window_layers is 1 of 2
        assertMessage(qwen, "key 'max_window_layers' is 1 with use_sliding_window: only layers 1-1 would slide");
        HfFixtures.setConfig(qwen, "layer_types", List.of("full_attention", "sliding_attention"));
        assertMessage(qwen, "key 'layer_types' mixes sliding and full attention layers");
        Path gpt = HfFixtures.copy("gpt2", tmp.resolve("g"), (n, t) -> t);
        HfFixtures.setConfig(gpt, "activation_function", "quick_gelu");
        assertMessage(gpt, "key 'activation_function' is 'quick_gelu'");
    }

    @Test
    void slidingWindowKeysFollowTheConfigClassesDefaults() throws Exception {
        Path mistral = HfFixtures.copy("mistral", tmp.resolve("m"), (n, t) -> t);
        HfFixtures.setConfig(mistral, "sliding_window", null);                                         // null: off
        assertEquals(0, HfCheckpoints.load(mistral, be).model().config().slidingWindow());
        Map<String, Object> cfg = HfFixtures.json(mistral.resolve("config.json"));
        cfg.remove("sliding_window");                                                                  // absent: MistralConfig's 4096
        HfFixtures.writeJson(mistral.resolve("config.json"), cfg);
        assertEquals(4096, HfCheckpoints.load(mistral, be).model().config().slidingWindow());
        Path qwen = HfFixtures.copy("qwen2", tmp.resolve("q"), (n, t) -> t);
        HfFixtures.setConfig(qwen, "use_sliding_window", true);
        HfFixtures.setConfig(qwen, "max_window_layers", 0);                                            // every layer slides
        assertEquals(4, HfCheckpoints.load(qwen, be).model().config().slidingWindow());
        HfFixtures.setConfig(qwen, "max_window_layers", 2);                                            // no layer slides
        assertEquals(0, HfCheckpoints.load(qwen, be).model().config().slidingWindow());
    }

    private void assertMessage(Path dir, String expected) {
        String msg = assertThrows(HfCheckpointException.class, () -> HfCheckpoints.load(dir, be)).getMessage();
        assertTrue(msg.contains(dir.resolve("config.json").toString()), msg);
        assertTrue(msg.contains(expected), msg);
    }

    @Test
    void aMissingConfigOrWeightsFileIsNamed() throws Exception {
        Files.createDirectories(tmp.resolve("empty"));
        String msg = assertThrows(HfCheckpointException.class, () -> HfCheckpoints.load(tmp.resolve("empty"), be)).getMessage();
        assertTrue(msg.contains("config.json: not found"), msg);
        Files.copy(HfFixtures.dir("gpt2").resolve("config.json"), tmp.resolve("empty/config.json"));
        msg = assertThrows(java.io.IOException.class, () -> HfCheckpoints.load(tmp.resolve("empty"), be)).getMessage();
        assertTrue(msg.contains("model.safetensors"), msg);
    }

    @Test
    void savingAShapeTheArchitectureCannotHoldListsEveryMismatch() {
        Transformer llama = new Transformer(be, TransformerConfig.llama(30, 16, 1, 2, 1, 32, 16), 1);
        String msg = assertThrows(HfCheckpointException.class, () -> HfCheckpoints.save(llama, tmp.resolve("x"), "GPT2LMHeadModel")).getMessage();
        assertTrue(msg.startsWith("GPT2LMHeadModel cannot hold this model: positions is rotary (needs learned); norm is rmsnorm"), msg);
        assertTrue(msg.contains("kv_heads is 1 (needs 2)"), msg);
        msg = assertThrows(HfCheckpointException.class, () -> HfCheckpoints.save(llama, tmp.resolve("x"), "T5Model")).getMessage();
        assertTrue(msg.contains("unknown architecture 'T5Model'"), msg);
        Transformer bert = new Transformer(be, TransformerConfig.bert(30, 16, 1, 2, 16), 1);
        msg = assertThrows(HfCheckpointException.class, () -> HfCheckpoints.save(bert, tmp.resolve("x"), "BertForMaskedLM")).getMessage();
        assertTrue(msg.contains("BertForMaskedLM needs these extra tensors, which were not given: [mlm.bias, mlm.dense.bias"), msg);
        msg = assertThrows(HfCheckpointException.class, () -> HfCheckpoints.save(bert, Map.of(), tmp.resolve("x"), "RobertaModel")).getMessage();
        assertTrue(msg.contains("RobertaModel cannot hold this model: position_offset > 0 (pad_token_id + 1) is false (needs true)"), msg);
        Transformer windowed = new Transformer(be, TransformerConfig.llama(30, 16, 1, 2, 1, 32, 16).toBuilder().slidingWindow(4).build(), 1);
        msg = assertThrows(HfCheckpointException.class, () -> HfCheckpoints.save(windowed, tmp.resolve("x"), "LlamaForCausalLM")).getMessage();
        assertTrue(msg.contains("sliding_window is 4 (needs 0)"), msg);
        assertFalse(Files.exists(tmp.resolve("x/model.safetensors")));
    }
}
