package dev.kiln.finetune.lora;

import dev.kiln.api.nn.Module;
import dev.kiln.api.tensor.Tensor;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Saves and loads one adapter alone in PEFT's layout: {@code adapter_config.json} and
 * {@code adapter_model.safetensors} with tensors {@code base_model.model.<module path>.lora_A.weight}
 * ([r, in]) and {@code .lora_B.weight} ([out, r]). Module paths are Kiln's ({@code blocks.0.attn.qkv}).
 */
public final class PeftFormat {
    public static final String CONFIG = "adapter_config.json", WEIGHTS = "adapter_model.safetensors";
    private static final String PREFIX = "base_model.model.";

    private PeftFormat() {}

    public static void save(Module model, LoraConfig cfg, Path dir) throws IOException {
        Map<String, LoraLayer> layers = Lora.layers(model, cfg.adapterName());
        if (layers.isEmpty()) throw new IllegalArgumentException("lora: the model has no adapter '" + cfg.adapterName() + "'");
        Map<String, SafetensorsF32.Entry> tensors = new LinkedHashMap<>();
        for (var e : layers.entrySet()) {
            tensors.put(PREFIX + e.getKey() + ".lora_A.weight", entry(e.getValue().loraA()));
            tensors.put(PREFIX + e.getKey() + ".lora_B.weight", entry(e.getValue().loraB()));
        }
        Files.createDirectories(dir);
        SafetensorsF32.write(dir.resolve(WEIGHTS), tensors);
        Files.writeString(dir.resolve(CONFIG), configJson(cfg), StandardCharsets.UTF_8);
    }

    /**
     * Attaches the saved adapter under {@code adapterName} and makes it the active one, in PEFT's
     * inference mode: every backbone parameter, the adapter's included, is frozen afterwards.
     */
    public static LoraConfig load(Module model, Path dir, String adapterName) throws IOException {
        LoraConfig cfg = parseConfig(Files.readString(dir.resolve(CONFIG), StandardCharsets.UTF_8), adapterName);
        Map<String, SafetensorsF32.Entry> file = new LinkedHashMap<>(SafetensorsF32.read(dir.resolve(WEIGHTS)));
        Map<String, LoraLayer> layers = Lora.attach(model, cfg);
        for (var e : layers.entrySet()) {
            fill(e.getValue().loraA(), file.remove(PREFIX + e.getKey() + ".lora_A.weight"), PREFIX + e.getKey() + ".lora_A.weight");
            fill(e.getValue().loraB(), file.remove(PREFIX + e.getKey() + ".lora_B.weight"), PREFIX + e.getKey() + ".lora_B.weight");
        }
        if (!file.isEmpty()) throw new IOException(dir + ": tensors with no matching module: " + file.keySet());
        Lora.setAdapter(model, cfg.adapterName());
        for (Tensor p : model.parameters()) p.requiresGrad(false);
        return cfg;
    }

    private static SafetensorsF32.Entry entry(Tensor t) { return new SafetensorsF32.Entry(t.dims(), t.toArray()); }

    private static void fill(Tensor t, SafetensorsF32.Entry e, String name) throws IOException {
        if (e == null) throw new IOException("adapter file lacks '" + name + "'");
        if (!Arrays.equals(e.shape(), t.dims()))
            throw new IOException("'" + name + "' has shape " + Arrays.toString(e.shape()) + ", the model needs " + t.shape());
        t.copyFrom(e.values());
    }

    static String configJson(LoraConfig c) {
        String targets = c.targetModules().equals(List.of(LoraConfig.ALL_LINEAR)) ? "\"all-linear\""
                : "[" + String.join(", ", c.targetModules().stream().map(s -> "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"").toList()) + "]";
        return String.format(Locale.ROOT, """
                {
                  "peft_type": "LORA",
                  "task_type": null,
                  "base_model_name_or_path": null,
                  "r": %d,
                  "lora_alpha": %s,
                  "lora_dropout": %s,
                  "use_rslora": %s,
                  "target_modules": %s,
                  "bias": "none",
                  "fan_in_fan_out": false,
                  "init_lora_weights": true,
                  "inference_mode": true,
                  "modules_to_save": null
                }
                """, c.r(), num(c.alpha()), num(c.dropout()), c.useRslora(), targets);
    }

    private static String num(double d) { return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d); }

    /** Reads the keys this plugin understands from a PEFT adapter_config.json (flat fields only). */
    static LoraConfig parseConfig(String json, String adapterName) throws IOException {
        String type = field(json, "peft_type", "\"(\\w+)\"");
        if (type != null && !type.equals("LORA")) throw new IOException("adapter_config.json: peft_type is " + type + ", expected LORA");
        String r = field(json, "r", "(\\d+)"), alpha = field(json, "lora_alpha", "([-0-9.eE+]+)");
        if (r == null || alpha == null) throw new IOException("adapter_config.json needs \"r\" and \"lora_alpha\"");
        String dropout = field(json, "lora_dropout", "([-0-9.eE+]+)"), rs = field(json, "use_rslora", "(true|false)");
        String t = field(json, "target_modules", "(\\[[^\\]]*\\]|\"(?:[^\"\\\\]|\\\\.)*\")");
        if (t == null) throw new IOException("adapter_config.json needs \"target_modules\"");
        List<String> targets = new ArrayList<>();
        Matcher m = Pattern.compile("\"((?:[^\"\\\\]|\\\\.)*)\"").matcher(t);
        while (m.find()) targets.add(m.group(1).replace("\\\"", "\"").replace("\\\\", "\\"));
        return new LoraConfig(Integer.parseInt(r), Double.parseDouble(alpha), dropout == null ? 0 : Double.parseDouble(dropout),
                Boolean.parseBoolean(rs), targets, adapterName);
    }

    private static String field(String json, String key, String value) {
        Matcher m = Pattern.compile("\"" + key + "\"\\s*:\\s*" + value).matcher(json);
        return m.find() ? m.group(1) : null;
    }
}
