package dev.kiln.finetune.ia3;

import dev.kiln.api.io.Json;
import dev.kiln.api.io.JsonObject;
import dev.kiln.api.io.TensorData;
import dev.kiln.api.io.SafetensorsWriter;
import dev.kiln.api.io.SafetensorsFile;
import dev.kiln.api.io.NamedTensor;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.tensor.Tensor;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One IA3 adapter alone in PEFT's layout: {@code adapter_config.json} and
 * {@code adapter_model.safetensors} holding one F32 tensor per adapted Linear, named
 * {@code base_model.model.<kiln module path>.ia3_l} (adapter name left out, as PEFT saves it),
 * shaped as PEFT's {@code ia3_l}: [1, in] for feed-forward layers, [out, 1] for the others.
 * A fused qkv is stored full width, [(Hq + 2·Hkv)·D, 1], its query rows exactly 1, so the file
 * means what PEFT would make of it (scale the whole projection output); loading requires those 1s.
 */
public final class PeftIa3Format {
    public static final String CONFIG = "adapter_config.json", WEIGHTS = "adapter_model.safetensors";
    static final String PREFIX = "base_model.model.", SUFFIX = ".ia3_l";

    private PeftIa3Format() {}

    /** The file's tensor name for the Linear at {@code path}. */
    public static String tensorName(String path) { return PREFIX + path + SUFFIX; }

    public static void save(Transformer model, Ia3Config cfg, Path dir) throws IOException {
        Map<String, Ia3Layer> layers = Ia3.layers(model, cfg.adapterName());
        if (layers.isEmpty()) throw new IllegalArgumentException("ia3: the model has no adapter '" + cfg.adapterName() + "'");
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        for (var e : layers.entrySet()) {
            Ia3Layer l = e.getValue();
            if (l.merged()) throw new IllegalStateException("ia3: adapter '" + cfg.adapterName() + "' is merged; save it before merging or unmerge first");
            float[] v = l.fullScale();
            tensors.put(tensorName(e.getKey()), TensorData.f32(peftShape(l, v.length), v));
        }
        Files.createDirectories(dir);
        SafetensorsWriter.write(dir.resolve(WEIGHTS), tensors, SafetensorsWriter.PT_METADATA);
        Files.writeString(dir.resolve(CONFIG), configJson(cfg), StandardCharsets.UTF_8);
    }

    private static int[] peftShape(Ia3Layer l, int n) { return l.feedforward() ? new int[] {1, n} : new int[] {n, 1}; }

    /**
     * Attaches the adapter saved in {@code dir} under {@code adapterName}, in PEFT's inference mode:
     * every backbone parameter, the adapter's included, is frozen afterwards.
     */
    public static Ia3Config load(Transformer model, Path dir, String adapterName) throws IOException {
        Ia3Config cfg = parseConfig(Files.readString(dir.resolve(CONFIG), StandardCharsets.UTF_8), dir.resolve(CONFIG).toString(), adapterName);
        Map<String, NamedTensor> file = new LinkedHashMap<>(SafetensorsFile.readFloats(dir.resolve(WEIGHTS)));
        Map<String, Ia3Layer> layers = Ia3.attach(model, cfg);
        try {
            for (var e : layers.entrySet()) fill(e.getValue(), file.remove(tensorName(e.getKey())), tensorName(e.getKey()));
            if (!file.isEmpty()) throw new IOException(dir.resolve(WEIGHTS) + ": tensors with no matching module: " + file.keySet());
        } catch (IOException | RuntimeException ex) {
            for (Ia3Layer l : layers.values()) l.base().removeAdapter(Ia3.childName(adapterName));   // leave the model as it was
            throw ex;
        }
        for (Tensor p : model.parameters()) p.requiresGrad(false);
        return cfg;
    }

    private static void fill(Ia3Layer layer, NamedTensor t, String name) throws IOException {
        if (t == null) throw new IOException("adapter file lacks '" + name + "'");
        int full = layer.fixedRows() + layer.ia3L().size();
        int[] expected = peftShape(layer, full);
        if (!Arrays.equals(t.shape(), expected) && !Arrays.equals(t.shape(), new int[] {full}))
            throw new IOException("'" + name + "' has shape " + Arrays.toString(t.shape()) + ", the model needs " + Arrays.toString(expected));
        for (int i = 0; i < layer.fixedRows(); i++)
            if (t.data()[i] != 1f)
                throw new IOException("'" + name + "' scales query row " + i + " by " + t.data()[i]
                        + "; Kiln's IA3 scales only the key and value rows of a fused qkv (query rows must be 1)");
        layer.ia3L().copyFrom(Arrays.copyOfRange(t.data(), layer.fixedRows(), full));
    }

    static String configJson(Ia3Config c) {
        return """
                {
                  "peft_type": "IA3",
                  "task_type": null,
                  "base_model_name_or_path": null,
                  "revision": null,
                  "target_modules": %s,
                  "exclude_modules": null,
                  "feedforward_modules": %s,
                  "fan_in_fan_out": false,
                  "init_ia3_weights": %s,
                  "modules_to_save": null,
                  "inference_mode": true
                }
                """.formatted(patterns(c.targetModules()), patterns(c.feedforwardModules()), c.initIa3Weights());
    }

    /** {@code all-linear} as PEFT writes it (a string), anything else as a JSON list. */
    private static String patterns(List<String> p) {
        if (p.equals(List.of(Ia3Config.ALL_LINEAR))) return "\"all-linear\"";
        return "[" + String.join(", ", p.stream().map(Json::quote).toList()) + "]";
    }

    /** {@link #parseConfig(String, String, String)} with errors naming {@code adapter_config.json}. */
    static Ia3Config parseConfig(String json, String adapterName) throws IOException { return parseConfig(json, "adapter_config.json", adapterName); }

    /** The keys this plugin understands from a PEFT IA3 adapter_config.json; errors name {@code source} and the key. */
    static Ia3Config parseConfig(String json, String source, String adapterName) throws IOException {
        JsonObject o = Json.parseObject(json, source);
        String type = o.string("peft_type");
        if (type != null && !type.equals("IA3")) throw o.error("peft_type", "is " + type + ", expected IA3");
        List<String> targets = o.strings("target_modules");
        if (targets == null || targets.isEmpty()) throw new IOException(source + " needs \"target_modules\"");
        List<String> feedforward = o.strings("feedforward_modules");
        Boolean init = o.bool("init_ia3_weights");
        try {
            return new Ia3Config(targets, feedforward == null ? List.of() : feedforward, init == null || init, adapterName);
        } catch (IllegalArgumentException e) {
            throw new IOException(source + ": " + e.getMessage(), e);
        }
    }
}
