package dev.kiln.finetune.ia3;

import dev.kiln.api.finetune.ModulesToSave;
import dev.kiln.api.finetune.PeftNames;
import dev.kiln.api.io.DType;
import dev.kiln.api.io.Json;
import dev.kiln.api.io.JsonObject;
import dev.kiln.api.io.NamedTensor;
import dev.kiln.api.io.SafetensorsFile;
import dev.kiln.api.io.SafetensorsWriter;
import dev.kiln.api.io.TensorData;
import dev.kiln.api.nn.Linear;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.tensor.Tensor;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One IA3 adapter alone in PEFT's layout: {@code adapter_config.json} and
 * {@code adapter_model.safetensors} holding one tensor per adapted module,
 * {@code base_model.model.<module>.ia3_l} (adapter name left out, as PEFT saves it), shaped as
 * PEFT's {@code ia3_l}: [1, in] for feed-forward modules, [out, 1] for the others. Module names are
 * Kiln's or a Hugging Face architecture's ({@link PeftNames}).
 *
 * <p>Kiln's IA3 scales only the key and value rows of a fused qkv. In BERT's / LLaMA's names that
 * is exact: the key and value projections get vectors, the query none. GPT-2's {@code c_attn} is
 * one fused Conv1D whose whole output PEFT scales, so its vector is written full width with the
 * query rows 1; loading requires those 1s (a PEFT adapter that scales queries is refused).
 */
public final class PeftIa3Format {
    public static final String CONFIG = "adapter_config.json", WEIGHTS = "adapter_model.safetensors";
    static final String PREFIX = "base_model.model.", SUFFIX = ".ia3_l";

    private PeftIa3Format() {}

    /** The file's tensor name for the module at {@code module}. */
    public static String tensorName(String module) { return PREFIX + module + SUFFIX; }

    public static void save(Transformer model, Ia3Config cfg, Path dir) throws IOException { save(model, cfg, PeftNames.KILN, dir); }

    public static void save(Transformer model, Ia3Config cfg, PeftNames names, Path dir) throws IOException { save(model, cfg, names, dir, DType.F32); }

    /** @param dtype how the vectors are stored: F32, or BF16 / F16 (rounded to nearest) */
    public static void save(Transformer model, Ia3Config cfg, PeftNames names, Path dir, DType dtype) throws IOException {
        Map<String, Ia3Layer> layers = Ia3.layers(model, cfg.adapterName());
        if (layers.isEmpty()) throw new IllegalArgumentException("ia3: the model has no adapter '" + cfg.adapterName() + "'");
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        Set<String> plain = new LinkedHashSet<>(), feedforward = new LinkedHashSet<>();
        for (var e : layers.entrySet()) {
            Ia3Layer l = e.getValue();
            if (l.merged()) throw new IllegalStateException("ia3: adapter '" + cfg.adapterName() + "' is merged; save it before merging or unmerge first");
            float[] v = l.fullScale();
            List<PeftNames.Part> parts = l.feedforward() ? List.of(new PeftNames.Part(names.parts(e.getKey(), l.base().outFeatures(), model.config()).get(0).module(), 0, v.length))
                    : names.parts(e.getKey(), v.length, model.config());
            for (PeftNames.Part part : parts) {
                if (parts.size() > 1 && part.rowEnd() <= l.fixedRows()) continue;     // a split-off query projection: not scaled
                float[] slice = Arrays.copyOfRange(v, part.rowStart(), part.rowEnd());
                tensors.put(tensorName(part.module()), TensorData.floats(dtype, l.feedforward() ? new int[] {1, slice.length} : new int[] {slice.length, 1}, slice));
                (l.feedforward() ? feedforward : plain).add(part.module());
            }
        }
        List<String> targets, ff;
        if (names == PeftNames.KILN) {
            targets = cfg.targetModules();
            ff = cfg.feedforwardModules();
        } else {
            List<String> all = names.allModules(model);
            ff = names.targetModules(feedforward, all);
            targets = new ArrayList<>(plain.isEmpty() ? List.of() : names.targetModules(plain, all));
            for (String f : ff) if (!targets.contains(f)) targets.add(f);        // PEFT: feedforward_modules ⊆ target_modules
        }
        Files.createDirectories(dir);
        SafetensorsWriter.write(dir.resolve(WEIGHTS), tensors, SafetensorsWriter.PT_METADATA);
        Files.writeString(dir.resolve(CONFIG), configJson(cfg, targets, ff, names.fanInFanOut()), StandardCharsets.UTF_8);
    }

    /**
     * Attaches the adapter saved in {@code dir} under {@code adapterName}, in PEFT's inference mode:
     * every backbone parameter, the adapter's included, is frozen afterwards. The module names are
     * recognized from the file; the returned config targets the Kiln paths adapted.
     */
    public static Ia3Config load(Transformer model, Path dir, String adapterName) throws IOException {
        Path cfgFile = dir.resolve(CONFIG), weights = dir.resolve(WEIGHTS);
        JsonObject json = Json.parseObject(Files.readString(cfgFile, StandardCharsets.UTF_8), cfgFile.toString());
        Ia3Config declared = parseConfig(json, adapterName);
        Map<String, NamedTensor> file = new LinkedHashMap<>(ModulesToSave.without(SafetensorsFile.readFloats(weights), ModulesToSave.of(json)));
        Map<String, Linear> linears = PeftNames.linears(model);
        PeftNames names = recognize(file.keySet(), linears, weights);
        Map<String, List<String>> byPath = new LinkedHashMap<>();               // Kiln path → the file's modules on it
        List<String> kilnFeedforward = new ArrayList<>();
        for (String key : file.keySet()) {
            String module = key.substring(PREFIX.length(), key.length() - SUFFIX.length());
            String path = names.locate(module).kilnPath();
            byPath.computeIfAbsent(path, k -> new ArrayList<>()).add(module);
            boolean ff = names == PeftNames.KILN ? declared.feedforward(path) : Ia3Config.matches(declared.feedforwardModules(), module);
            if (ff && !kilnFeedforward.contains(path)) kilnFeedforward.add(path);
        }
        Ia3Config cfg = names == PeftNames.KILN ? declared
                : new Ia3Config(List.copyOf(byPath.keySet()), kilnFeedforward, declared.initIa3Weights(), adapterName);
        Map<String, Ia3Layer> layers = Ia3.attach(model, cfg);
        try {
            for (var e : layers.entrySet()) fill(e.getValue(), byPath.getOrDefault(e.getKey(), List.of()), file, names, model, weights);
        } catch (IOException | RuntimeException ex) {
            for (Ia3Layer l : layers.values()) l.base().removeAdapter(Ia3.childName(adapterName));   // leave the model as it was
            throw ex;
        }
        for (Tensor p : model.parameters()) p.requiresGrad(false);
        return cfg;
    }

    /** Puts the file's vectors for one layer (one module, or a fused qkv's key and value parts) into it. */
    private static void fill(Ia3Layer layer, List<String> modules, Map<String, NamedTensor> file, PeftNames names, Transformer model,
                             Path weights) throws IOException {
        if (modules.isEmpty()) throw new IOException(weights + " lacks a vector for " + layer.path() + " (adapter_config.json targets it)");
        int full = layer.fixedRows() + layer.ia3L().size();
        float[] v = new float[full];
        Arrays.fill(v, 1f);
        List<PeftNames.Part> parts = layer.feedforward() ? List.of(new PeftNames.Part(modules.get(0), 0, full))
                : names.parts(layer.path(), full, model.config());
        for (String module : modules) {
            PeftNames.Part part = parts.get(names.locate(module).part());
            NamedTensor t = file.get(tensorName(module));
            int[] expected = layer.feedforward() ? new int[] {1, part.rows()} : new int[] {part.rows(), 1};
            if (!Arrays.equals(t.shape(), expected) && !Arrays.equals(t.shape(), new int[] {part.rows()}))
                throw new IOException(weights + ": '" + t.name() + "' has shape " + Arrays.toString(t.shape()) + ", the model needs " + Arrays.toString(expected));
            System.arraycopy(t.data(), 0, v, part.rowStart(), part.rows());
        }
        for (int i = 0; i < layer.fixedRows(); i++)
            if (v[i] != 1f)
                throw new IOException(weights + ": '" + tensorName(modules.get(0)) + "' scales query row " + i + " by " + v[i]
                        + "; Kiln's IA3 scales only the key and value rows of a fused qkv (query rows must be 1)");
        layer.ia3L().copyFrom(Arrays.copyOfRange(v, layer.fixedRows(), full));
    }

    /** The first naming under which every tensor of the file is an IA3 vector of a Linear of the model. */
    private static PeftNames recognize(Set<String> keys, Map<String, Linear> linears, Path weights) throws IOException {
        for (String key : keys)
            if (!key.startsWith(PREFIX) || !key.endsWith(SUFFIX))
                throw new IOException(weights + ": tensor '" + key + "' is not an IA3 vector (" + PREFIX + "<module>" + SUFFIX + ")");
        search:
        for (PeftNames names : PeftNames.values()) {
            for (String key : keys) {
                PeftNames.Location at = names.locate(key.substring(PREFIX.length(), key.length() - SUFFIX.length()));
                if (at == null || !linears.containsKey(at.kilnPath())) continue search;
            }
            return names;
        }
        throw new IOException(weights + ": the tensors " + (keys.size() > 4 ? List.copyOf(keys).subList(0, 4) + " ..." : keys)
                + " do not all name Linear modules of this model, in Kiln's names or GPT-2's, BERT's or LLaMA's");
    }

    static String configJson(Ia3Config c) { return configJson(c, c.targetModules(), c.feedforwardModules(), false); }

    /** Every key PEFT's {@code IA3Config} writes, in its order. */
    static String configJson(Ia3Config c, List<String> targets, List<String> feedforward, boolean fanInFanOut) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("auto_mapping", null);
        o.put("base_model_name_or_path", null);
        o.put("exclude_modules", null);
        o.put("fan_in_fan_out", fanInFanOut);
        o.put("feedforward_modules", patterns(feedforward));
        o.put("inference_mode", true);
        o.put("init_ia3_weights", c.initIa3Weights());
        o.put("modules_to_save", null);
        o.put("peft_type", "IA3");
        o.put("revision", null);
        o.put("target_modules", patterns(targets));
        o.put("task_type", null);
        return Json.write(o) + "\n";
    }

    /** {@code all-linear} as PEFT writes it (a string), anything else as a list. */
    private static Object patterns(List<String> p) { return p.equals(List.of(Ia3Config.ALL_LINEAR)) ? Ia3Config.ALL_LINEAR : p; }

    /** {@link #parseConfig(String, String, String)} with errors naming {@code adapter_config.json}. */
    static Ia3Config parseConfig(String json, String adapterName) throws IOException { return parseConfig(json, "adapter_config.json", adapterName); }

    static Ia3Config parseConfig(String json, String source, String adapterName) throws IOException {
        return parseConfig(Json.parseObject(json, source), adapterName);
    }

    /** The keys this plugin understands from a PEFT IA3 adapter_config.json; errors name the file and the key. */
    static Ia3Config parseConfig(JsonObject o, String adapterName) throws IOException {
        String type = o.string("peft_type");
        if (type != null && !type.equals("IA3")) throw o.error("peft_type", "is " + type + ", expected IA3");
        List<String> targets = o.strings("target_modules");
        if (targets == null || targets.isEmpty()) throw o.error("target_modules", "is missing");
        List<String> feedforward = o.strings("feedforward_modules");
        Boolean init = o.bool("init_ia3_weights");
        try {
            return new Ia3Config(targets, feedforward == null ? List.of() : feedforward, init == null || init, adapterName);
        } catch (IllegalArgumentException e) {
            throw new IOException(o.source() + ": " + e.getMessage(), e);
        }
    }
}
