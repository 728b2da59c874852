package dev.kiln.finetune.prefix;

import dev.kiln.api.io.DType;
import dev.kiln.api.io.Json;
import dev.kiln.api.io.JsonObject;
import dev.kiln.api.io.TensorData;
import dev.kiln.api.io.SafetensorsWriter;
import dev.kiln.api.io.SafetensorsFile;
import dev.kiln.api.io.NamedTensor;
import dev.kiln.api.nn.KeyValuePrefix;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.tensor.Tensor;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A key/value prefix alone in PEFT's layout: {@code adapter_config.json} (peft_type PREFIX_TUNING,
 * prefix_projection false) and {@code adapter_model.safetensors} holding {@code prompt_embeddings}
 * [P, L·2·W] F32, W = Hkv·D. Row t is virtual token t's past_key_values as PEFT's PrefixEncoder
 * stores them: for layer l, columns [2l·W, (2l+1)·W) are its key and [(2l+1)·W, (2l+2)·W) its
 * value, each head-major (PEFT views the row as [L·2, Hkv, D]). Like PEFT for grouped-query models,
 * token_dim is W and num_attention_heads is Hkv.
 */
public final class PeftPrefixFormat {
    public static final String ADAPTER_DIR = "adapter", CONFIG = "adapter_config.json", WEIGHTS = "adapter_model.safetensors";
    public static final String TENSOR = "prompt_embeddings";

    private PeftPrefixFormat() {}

    public static void save(Transformer model, PrefixTuningConfig cfg, Path dir) throws IOException { save(model, cfg, dir, DType.F32); }

    /** @param dtype how the prefix is stored: F32, or BF16 / F16 (rounded to nearest) */
    public static void save(Transformer model, PrefixTuningConfig cfg, Path dir, DType dtype) throws IOException {
        int p = model.prefixTokens();
        if (p == 0) throw new IllegalArgumentException("prefix-tuning: the model has no key/value prefix to export");
        List<KeyValuePrefix> layers = PrefixTuningFineTuner.prefixes(model);
        int width = width(model.config()), row = layers.size() * 2 * width;
        float[] out = new float[p * row];                                       // [P, L·2·W]
        for (int l = 0; l < layers.size(); l++) {
            float[] k = layers.get(l).keys().toArray(), v = layers.get(l).values().toArray();   // [P, W] each
            for (int t = 0; t < p; t++) {
                System.arraycopy(k, t * width, out, t * row + 2 * l * width, width);
                System.arraycopy(v, t * width, out, t * row + (2 * l + 1) * width, width);
            }
        }
        Files.createDirectories(dir);
        SafetensorsWriter.write(dir.resolve(WEIGHTS), Map.of(TENSOR, TensorData.floats(dtype, new int[] {p, row}, out)), SafetensorsWriter.PT_METADATA);
        Files.writeString(dir.resolve(CONFIG), configJson(model.config(), p, cfg), StandardCharsets.UTF_8);
    }

    /** Attaches and fills the saved prefix, then freezes every backbone parameter (PEFT's inference mode). */
    public static void load(Transformer model, Path dir) throws IOException {
        Path cfgFile = dir.resolve(CONFIG);
        JsonObject json = Json.parseObject(Files.readString(cfgFile, StandardCharsets.UTF_8), cfgFile.toString());
        String type = json.string("peft_type");
        if (!"PREFIX_TUNING".equals(type)) throw json.error("peft_type", "is " + type + ", expected PREFIX_TUNING");
        if (Boolean.TRUE.equals(json.bool("prefix_projection")))
            throw json.error("prefix_projection", "is true; adapters with PEFT's reparameterisation MLP are not supported");
        Integer submodules = json.integer("num_transformer_submodules");
        if (submodules != null && submodules != 1)
            throw json.error("num_transformer_submodules", "is " + submodules + " (an encoder-decoder prefix), which is not supported");
        TransformerConfig shape = model.config();
        int p = json.requiredInteger("num_virtual_tokens"), layers = json.requiredInteger("num_layers");
        int dim = json.requiredInteger("token_dim"), width = width(shape);
        if (layers != shape.layers()) throw new IOException(cfgFile + ": num_layers " + layers + " does not match the model's " + shape.layers());
        if (dim != width)
            throw new IOException(cfgFile + ": token_dim " + dim + " does not match the model's key/value width " + width + " (kv_heads · head_dim)");
        int row = layers * 2 * width;
        NamedTensor e = SafetensorsFile.readFloats(dir.resolve(WEIGHTS)).get(TENSOR);
        if (e == null) throw new IOException(dir.resolve(WEIGHTS) + " lacks '" + TENSOR + "'");
        if (!Arrays.equals(e.shape(), new int[] {p, row}))
            throw new IOException(dir.resolve(WEIGHTS) + ": '" + TENSOR + "' has shape " + Arrays.toString(e.shape()) + ", expected [" + p + ", " + row + "]");
        model.attachPrefix(p);
        List<KeyValuePrefix> prefixes = PrefixTuningFineTuner.prefixes(model);
        for (int l = 0; l < layers; l++) {
            float[] k = new float[p * width], v = new float[p * width];
            for (int t = 0; t < p; t++) {
                System.arraycopy(e.data(), t * row + 2 * l * width, k, t * width, width);
                System.arraycopy(e.data(), t * row + (2 * l + 1) * width, v, t * width, width);
            }
            prefixes.get(l).keys().copyFrom(k);
            prefixes.get(l).values().copyFrom(v);
        }
        for (Tensor t : model.parameters()) t.requiresGrad(false);
    }

    static int width(TransformerConfig shape) { return shape.kvHeads() * shape.headDim(); }

    /** Every key PEFT's {@code PrefixTuningConfig} writes, sorted as it sorts them. */
    static String configJson(TransformerConfig model, int tokens, PrefixTuningConfig c) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("auto_mapping", null);
        o.put("base_model_name_or_path", null);
        o.put("encoder_hidden_size", width(model));
        o.put("inference_mode", true);
        o.put("num_attention_heads", model.kvHeads());
        o.put("num_layers", model.layers());
        o.put("num_transformer_submodules", 1);
        o.put("num_virtual_tokens", tokens);
        o.put("peft_type", "PREFIX_TUNING");
        o.put("prefix_projection", false);
        o.put("revision", null);
        o.put("task_type", c.taskType());
        o.put("token_dim", width(model));
        return Json.write(o) + "\n";
    }
}
