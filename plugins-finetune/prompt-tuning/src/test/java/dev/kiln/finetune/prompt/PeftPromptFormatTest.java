package dev.kiln.finetune.prompt;

import dev.kiln.api.io.SafetensorsFile;
import dev.kiln.api.io.NamedTensor;
import dev.kiln.api.autograd.GradMode;
import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.nn.ModelInput;
import dev.kiln.api.nn.SoftPrompt;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.tensor.IntTensor;
import dev.kiln.api.testing.TestTokenizers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static dev.kiln.finetune.prompt.PromptTuningFineTunerTest.*;
import static org.junit.jupiter.api.Assertions.*;

class PeftPromptFormatTest {
    @TempDir
    Path dir;

    static float[] logits(Transformer m) {
        int[] ids = new int[2 * 6];
        for (int i = 0; i < ids.length; i++) ids[i] = 'a' + (i * 7) % 20;
        try (var g = GradMode.noGrad()) {
            return m.logits(m.forward(ModelInput.of(new IntTensor(ids, 2, 6)))).toArray();
        }
    }

    /** A configured model whose prompt has moved away from its init (as training would move it). */
    static Transformer tuned(PromptTuningFineTuner t) {
        Transformer m = model();
        t.configure(m, null);
        float[] p = m.softPrompt().weight().toArray();
        Random rng = new Random(3);
        for (int i = 0; i < p.length; i++) p[i] += (float) (0.5 * rng.nextGaussian());
        m.softPrompt().weight().copyFrom(p);
        return m;
    }

    @Test
    void exportThenLoadIntoAFreshBaseReproducesTheOutputs() throws IOException {
        PromptTuningFineTuner t = prompt(Map.of("num_virtual_tokens", 5));
        Transformer m = tuned(t);
        float[] trained = logits(m);
        float[] plain = logits(model());
        t.export(m, dir);
        assertNotNull(m.softPrompt(), "the prompt stays attached after export");
        assertArrayEquals(trained, logits(m));

        Path adapter = dir.resolve("adapter");
        Map<String, NamedTensor> file = SafetensorsFile.readFloats(adapter.resolve("adapter_model.safetensors"));
        assertEquals(List.of("prompt_embeddings"), List.copyOf(file.keySet()));
        assertArrayEquals(new int[] {5, C}, file.get("prompt_embeddings").shape());
        assertArrayEquals(m.softPrompt().weight().toArray(), file.get("prompt_embeddings").data());

        Transformer fresh = model();
        SoftPrompt loaded = PromptTuningFineTuner.load(fresh, adapter);
        assertEquals(5, loaded.tokens());
        assertArrayEquals(trained, logits(fresh), "same base + loaded prompt = the tuned model");
        assertFalse(java.util.Arrays.equals(plain, trained), "the prompt changes the outputs");
        assertEquals(0, fresh.trainableParameterCount(), "loaded in inference mode");
        assertThrows(IllegalStateException.class, () -> PromptTuningFineTuner.load(fresh, adapter), "a second prompt");
    }

    @Test
    void adapterConfigIsPeftsPromptTuningConfig() throws IOException {
        PromptTuningFineTuner t = prompt(Map.of("num_virtual_tokens", 3, "prompt_tuning_init", "text",
                "prompt_tuning_init_text", "say \"hi\"\\", "task_type", "CAUSAL_LM"));
        Transformer m = tuned(t);
        t.export(m, dir);
        String json = Files.readString(dir.resolve("adapter/adapter_config.json"));
        for (String field : List.of("\"peft_type\": \"PROMPT_TUNING\"", "\"task_type\": \"CAUSAL_LM\"", "\"num_virtual_tokens\": 3",
                "\"token_dim\": 16", "\"num_layers\": 2", "\"num_attention_heads\": 2", "\"num_transformer_submodules\": 1",
                "\"prompt_tuning_init\": \"TEXT\"", "\"prompt_tuning_init_text\": \"say \\\"hi\\\"\\\\\"", "\"inference_mode\": true"))
            assertTrue(json.contains(field), field + " missing from " + json);

        PromptTuningFineTuner d = prompt(Map.of("num_virtual_tokens", 3));
        Transformer n = tuned(d);
        d.export(n, dir.resolve("other"));
        String defaults = Files.readString(dir.resolve("other/adapter/adapter_config.json"));
        assertTrue(defaults.contains("\"prompt_tuning_init\": \"SAMPLE_VOCAB\"") && defaults.contains("\"task_type\": null")
                && defaults.contains("\"prompt_tuning_init_text\": null"), defaults);
    }

    @Test
    void loadRejectsAdaptersForAnotherShapeOrMethod() throws IOException {
        PromptTuningFineTuner t = prompt(Map.of("num_virtual_tokens", 3));
        t.export(tuned(t), dir);
        Path adapter = dir.resolve("adapter");
        Transformer wider = new Transformer(new NaiveBackend(), TransformerConfig.gpt2(TestTokenizers.BYTE_VOCAB, 32, 2, 2, 32), 1);
        IOException e = assertThrows(IOException.class, () -> PromptTuningFineTuner.load(wider, adapter));
        assertTrue(e.getMessage().contains("token_dim"), e.getMessage());
        assertNull(wider.softPrompt(), "nothing attached on a failed load");

        Path cfg = adapter.resolve("adapter_config.json");
        Files.writeString(cfg, Files.readString(cfg).replace("PROMPT_TUNING", "PREFIX_TUNING"));
        IOException type = assertThrows(IOException.class, () -> PromptTuningFineTuner.load(model(), adapter));
        assertTrue(type.getMessage().contains("PROMPT_TUNING"), type.getMessage());

        Files.writeString(cfg, Files.readString(cfg).replace("PREFIX_TUNING", "PROMPT_TUNING")
                .replaceFirst("\"num_virtual_tokens\": \\d+", "\"num_virtual_tokens\": \"many\""));
        IOException typed = assertThrows(IOException.class, () -> PromptTuningFineTuner.load(model(), adapter));
        assertTrue(typed.getMessage().startsWith(cfg.toString()) && typed.getMessage().contains("\"num_virtual_tokens\" must be a whole number"), typed.getMessage());
    }
}
