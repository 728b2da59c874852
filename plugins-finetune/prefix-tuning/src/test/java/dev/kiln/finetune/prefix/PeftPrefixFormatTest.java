package dev.kiln.finetune.prefix;

import dev.kiln.api.io.SafetensorsFile;
import dev.kiln.api.io.NamedTensor;
import dev.kiln.api.autograd.GradMode;
import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.nn.KeyValuePrefix;
import dev.kiln.api.nn.ModelInput;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.tensor.IntTensor;
import dev.kiln.api.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static dev.kiln.finetune.prefix.PrefixTuningFineTunerTest.*;
import static org.junit.jupiter.api.Assertions.*;

class PeftPrefixFormatTest {
    @TempDir
    Path dir;

    static float[] logits(Transformer m) {
        int[] ids = new int[2 * 6];
        for (int i = 0; i < ids.length; i++) ids[i] = 'a' + (i * 7) % 20;
        try (var g = GradMode.noGrad()) {
            return m.logits(m.forward(ModelInput.of(new IntTensor(ids, 2, 6)))).toArray();
        }
    }

    /** A configured LLaMA-shaped model whose prefix has moved away from its init (as training would move it). */
    static Transformer tuned(PrefixTuningFineTuner t) {
        Transformer m = model(LLAMA);
        t.configure(m, null);
        Random rng = new Random(3);
        for (KeyValuePrefix kv : PrefixTuningFineTuner.prefixes(m))
            for (Tensor x : List.of(kv.keys(), kv.values())) {
                float[] v = x.toArray();
                for (int i = 0; i < v.length; i++) v[i] += (float) (0.5 * rng.nextGaussian());
                x.copyFrom(v);
            }
        return m;
    }

    @Test
    void exportThenLoadIntoAFreshBaseReproducesTheOutputs() throws IOException {
        PrefixTuningFineTuner t = prefix(Map.of("num_virtual_tokens", 3));
        Transformer m = tuned(t);
        float[] trained = logits(m);
        t.export(m, dir);
        assertEquals(3, m.prefixTokens(), "the prefix stays attached after export");

        Transformer fresh = model(LLAMA);
        float[] plain = logits(fresh);
        PrefixTuningFineTuner.load(fresh, dir.resolve("adapter"));
        assertArrayEquals(trained, logits(fresh), "same base + loaded prefix = the tuned model");
        assertFalse(Arrays.equals(plain, trained), "the prefix changes the outputs");
        assertEquals(0, fresh.trainableParameterCount(), "loaded in inference mode");
        assertThrows(IllegalStateException.class, () -> PrefixTuningFineTuner.load(fresh, dir.resolve("adapter")), "a second prefix");
    }

    @Test
    void promptEmbeddingsAreLaidOutAsPeftsPastKeyValues() throws IOException {
        PrefixTuningFineTuner t = prefix(Map.of("num_virtual_tokens", 3, "task_type", "CAUSAL_LM"));
        Transformer m = tuned(t);
        t.export(m, dir);
        int w = 8, layers = 2, row = layers * 2 * w;
        NamedTensor e = SafetensorsFile.readFloats(dir.resolve("adapter/adapter_model.safetensors")).get("prompt_embeddings");
        assertArrayEquals(new int[] {3, row}, e.shape(), "[P, L·2·Hkv·D]");
        for (int l = 0; l < layers; l++) {
            KeyValuePrefix kv = m.blocks().get(l).attention().prefix();
            for (int tok = 0; tok < 3; tok++) {
                assertArrayEquals(row(kv.keys().toArray(), w, tok), Arrays.copyOfRange(e.data(), tok * row + 2 * l * w, tok * row + (2 * l + 1) * w),
                        "token " + tok + ", index " + 2 * l + " = layer " + l + " keys");
                assertArrayEquals(row(kv.values().toArray(), w, tok), Arrays.copyOfRange(e.data(), tok * row + (2 * l + 1) * w, tok * row + (2 * l + 2) * w),
                        "token " + tok + ", index " + (2 * l + 1) + " = layer " + l + " values");
            }
        }
        String json = Files.readString(dir.resolve("adapter/adapter_config.json"));
        for (String field : List.of("\"peft_type\": \"PREFIX_TUNING\"", "\"task_type\": \"CAUSAL_LM\"", "\"num_virtual_tokens\": 3",
                "\"token_dim\": 8", "\"num_attention_heads\": 2", "\"num_layers\": 2", "\"encoder_hidden_size\": 8",
                "\"prefix_projection\": false", "\"num_transformer_submodules\": 1", "\"inference_mode\": true"))
            assertTrue(json.contains(field), field + " missing from " + json);
    }

    @Test
    void loadRejectsProjectionsOtherShapesAndOtherMethods() throws IOException {
        PrefixTuningFineTuner t = prefix(Map.of("num_virtual_tokens", 3));
        t.export(tuned(t), dir);
        Path adapter = dir.resolve("adapter"), cfg = adapter.resolve("adapter_config.json");
        String json = Files.readString(cfg);

        Transformer other = model(GPT2);                                         // W = 16, not 8
        IOException width = assertThrows(IOException.class, () -> PrefixTuningFineTuner.load(other, adapter));
        assertTrue(width.getMessage().contains("token_dim"), width.getMessage());
        assertEquals(0, other.prefixTokens(), "nothing attached on a failed load");

        Files.writeString(cfg, json.replace("\"prefix_projection\": false", "\"prefix_projection\": true"));
        IOException projection = assertThrows(IOException.class, () -> PrefixTuningFineTuner.load(model(LLAMA), adapter));
        assertTrue(projection.getMessage().contains("prefix_projection"), projection.getMessage());

        Files.writeString(cfg, json.replace("\"num_layers\": 2", "\"num_layers\": 3"));
        IOException layers = assertThrows(IOException.class, () -> PrefixTuningFineTuner.load(model(LLAMA), adapter));
        assertTrue(layers.getMessage().contains("num_layers"), layers.getMessage());

        Files.writeString(cfg, json.replace("PREFIX_TUNING", "PROMPT_TUNING"));
        IOException type = assertThrows(IOException.class, () -> PrefixTuningFineTuner.load(model(LLAMA), adapter));
        assertTrue(type.getMessage().contains("PREFIX_TUNING"), type.getMessage());
    }
}
