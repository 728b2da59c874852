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
    void aMissingTensorIsNamedWithWhatWasExpectedAndFound() throws Exception {
        Path dir = HfFixtures.copy("gpt2", tmp.resolve("m"), (n, t) -> n.equals("transformer.h.1.ln_2.bias") ? null : t);
        HfCheckpointException e = assertThrows(HfCheckpointException.class, () -> HfCheckpoints.load(dir, be));
        String msg = e.getMessage();
        assertTrue(msg.contains(dir.resolve("model.safetensors").toString()), msg);
        assertTrue(msg.contains("missing (1): transformer.h.1.ln_2.bias"), msg);
        assertTrue(msg.contains("expected 28: ") && msg.contains("transformer.h.{0-1}.ln_2.bias"), msg);
        assertTrue(msg.contains("found 27: ") && msg.contains("transformer.h.0.ln_2.bias"), msg);
    }

    @Test
    void anUnexpectedTensorIsNamed() throws Exception {
        Path dir = HfFixtures.copy("llama", tmp.resolve("m"), (n, t) -> t);
        Path withExtra = HfFixtures.copy("llama", tmp.resolve("m2"), (n, t) -> t);
        HfFixtures.setConfig(withExtra, "num_hidden_layers", 1); // layer 1's tensors are now extra
        assertDoesNotThrow(() -> HfCheckpoints.load(dir, be));
        String msg = assertThrows(HfCheckpointException.class, () -> HfCheckpoints.load(withExtra, be)).getMessage();
        assertTrue(msg.contains("unexpected (9): model.layers.1.input_layernorm.weight"), msg);
        assertFalse(msg.contains("missing"), msg);
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
        HfFixtures.setConfig(dir, "architectures", List.of("MistralForCausalLM"));
        String msg = assertThrows(HfCheckpointException.class, () -> HfCheckpoints.load(dir, be)).getMessage();
        assertTrue(msg.contains("config.json: key 'architectures' is [MistralForCausalLM]: unknown architecture"), msg);
        assertTrue(msg.contains("BertForMaskedLM, BertForPreTraining, BertModel, GPT2LMHeadModel, GPT2Model, LlamaForCausalLM, LlamaModel"), msg);
    }

    @Test
    void unsupportedConfigFeaturesAreNamed() throws Exception {
        Path dir = HfFixtures.copy("llama", tmp.resolve("m"), (n, t) -> t);
        HfFixtures.setConfig(dir, "rope_scaling", Map.of("type", "linear", "factor", 2.0));
        String msg = assertThrows(HfCheckpointException.class, () -> HfCheckpoints.load(dir, be)).getMessage();
        assertTrue(msg.contains("key 'rope_scaling'"), msg);
        Path gpt = HfFixtures.copy("gpt2", tmp.resolve("g"), (n, t) -> t);
        HfFixtures.setConfig(gpt, "activation_function", "quick_gelu");
        msg = assertThrows(HfCheckpointException.class, () -> HfCheckpoints.load(gpt, be)).getMessage();
        assertTrue(msg.contains("key 'activation_function' is 'quick_gelu'"), msg);
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
        assertFalse(Files.exists(tmp.resolve("x/model.safetensors")));
    }
}
