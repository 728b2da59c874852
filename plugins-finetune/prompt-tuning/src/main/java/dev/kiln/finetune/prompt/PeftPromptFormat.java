package dev.kiln.finetune.prompt;

import dev.kiln.api.io.DType;
import dev.kiln.api.io.Json;
import dev.kiln.api.io.JsonObject;
import dev.kiln.api.io.TensorData;
import dev.kiln.api.io.SafetensorsWriter;
import dev.kiln.api.io.SafetensorsFile;
import dev.kiln.api.io.NamedTensor;
import dev.kiln.api.nn.SoftPrompt;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.tensor.Tensor;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A soft prompt alone in PEFT's layout: {@code adapter_config.json} (peft_type PROMPT_TUNING) and
 * {@code adapter_model.safetensors} holding {@code prompt_embeddings} [N, C] F32, the name PEFT's
 * {@code get_peft_model_state_dict} saves a prompt-learning adapter under.
 */
public final class PeftPromptFormat {
    public static final String ADAPTER_DIR = "adapter", CONFIG = "adapter_config.json", WEIGHTS = "adapter_model.safetensors";
    public static final String TENSOR = "prompt_embeddings";

    private PeftPromptFormat() {}

    public static void save(Transformer model, PromptTuningConfig cfg, Path dir) throws IOException { save(model, cfg, dir, DType.F32); }

    /** @param dtype how the prompt is stored: F32, or BF16 / F16 (rounded to nearest) */
    public static void save(Transformer model, PromptTuningConfig cfg, Path dir, DType dtype) throws IOException {
        SoftPrompt prompt = model.softPrompt();
        if (prompt == null) throw new IllegalArgumentException("prompt-tuning: the model has no soft prompt to export");
        Files.createDirectories(dir);
        SafetensorsWriter.write(dir.resolve(WEIGHTS), Map.of(TENSOR, TensorData.floats(dtype, prompt.weight().dims(), prompt.weight().toArray())), SafetensorsWriter.PT_METADATA);
        Files.writeString(dir.resolve(CONFIG), configJson(model.config(), prompt.tokens(), cfg), StandardCharsets.UTF_8);
    }

    /** Attaches and fills the saved prompt, then freezes every backbone parameter (PEFT's inference mode). */
    public static SoftPrompt load(Transformer model, Path dir) throws IOException {
        JsonObject json = Json.parseObject(Files.readString(dir.resolve(CONFIG), StandardCharsets.UTF_8), dir.resolve(CONFIG).toString());
        String type = json.string("peft_type");
        if (!"PROMPT_TUNING".equals(type)) throw json.error("peft_type", "is " + type + ", expected PROMPT_TUNING");
        int n = json.requiredInteger("num_virtual_tokens");
        int dim = json.requiredInteger("token_dim");
        Integer submodules = json.integer("num_transformer_submodules");
        if (submodules != null && submodules != 1)
            throw json.error("num_transformer_submodules", "is " + submodules + " (an encoder-decoder prompt), which is not supported");
        if (dim != model.config().dModel())
            throw new IOException(dir.resolve(CONFIG) + ": token_dim " + dim + " does not match the model's width " + model.config().dModel());
        NamedTensor e = SafetensorsFile.readFloats(dir.resolve(WEIGHTS)).get(TENSOR);
        if (e == null) throw new IOException(dir.resolve(WEIGHTS) + " lacks '" + TENSOR + "'");
        if (!Arrays.equals(e.shape(), new int[] {n, dim}))
            throw new IOException(dir.resolve(WEIGHTS) + ": '" + TENSOR + "' has shape " + Arrays.toString(e.shape()) + ", expected [" + n + ", " + dim + "]");
        SoftPrompt prompt = model.attachSoftPrompt(n);
        prompt.weight().copyFrom(e.data());
        for (Tensor p : model.parameters()) p.requiresGrad(false);
        return prompt;
    }

    /** Every key PEFT's {@code PromptTuningConfig} writes, sorted as it sorts them. */
    static String configJson(TransformerConfig model, int tokens, PromptTuningConfig c) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("auto_mapping", null);
        o.put("base_model_name_or_path", null);
        o.put("inference_mode", true);
        o.put("num_attention_heads", model.heads());
        o.put("num_layers", model.layers());
        o.put("num_transformer_submodules", 1);
        o.put("num_virtual_tokens", tokens);
        o.put("peft_type", "PROMPT_TUNING");
        o.put("prompt_tuning_init", c.init().toUpperCase(Locale.ROOT));
        o.put("prompt_tuning_init_text", c.initText());
        o.put("revision", null);
        o.put("task_type", c.taskType());
        o.put("token_dim", model.dModel());
        o.put("tokenizer_kwargs", null);
        o.put("tokenizer_name_or_path", null);
        return Json.write(o) + "\n";
    }
}
