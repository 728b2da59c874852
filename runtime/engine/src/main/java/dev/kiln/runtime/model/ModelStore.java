package dev.kiln.runtime.model;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.config.Config;
import dev.kiln.api.nn.Linear;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.io.AtomicFiles;
import dev.kiln.api.io.Json;
import dev.kiln.api.io.JsonObject;
import dev.kiln.api.io.NamedTensor;
import dev.kiln.api.io.SafetensorsFile;
import dev.kiln.api.io.SafetensorsWriter;
import dev.kiln.api.io.TensorData;
import dev.kiln.api.quant.FrozenWeight;
import dev.kiln.runtime.io.JsonValues;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * A Kiln model directory: {@code config.json} (the backbone's shape and what trained it),
 * {@code model.safetensors} (backbone weights by name, objective heads under {@code heads.}) and
 * {@code tokenizer.json}. Every file is written atomically.
 */
public final class ModelStore {
    public static final String CONFIG = "config.json";
    public static final String WEIGHTS = "model.safetensors";
    public static final String TOKENIZER = "tokenizer.json";
    public static final String HEADS = "heads.";
    /** config.json key for adapters that stay in the model (soft prompt, key/value prefix). */
    public static final String ADAPTERS = "attached";

    private ModelStore() {}

    /** A loaded model: the backbone, its config file contents, and the head tensors by full name. */
    public record Loaded(Transformer model, Map<String, Object> config, Map<String, NamedTensor> heads) {}

    /** Writes config.json and model.safetensors (tokenizer.json is the tokenizer's to write). */
    public static void save(Path dir, Transformer model, Map<String, Tensor> heads, Map<String, Object> info) throws IOException {
        Files.createDirectories(dir);
        List<NamedTensor> tensors = new ArrayList<>();
        for (var e : model.namedParameters().entrySet()) tensors.add(named(e.getKey(), e.getValue()));
        for (var e : heads.entrySet()) tensors.add(named(HEADS + e.getKey(), e.getValue()));
        Map<String, String> meta = Map.of("format", "kiln", "kiln_format", "1");
        Map<String, TensorData> data = toData(tensors);
        // a weight stored compressed (4-bit, bf16, or with a LoRA update merged in) is written as its floats,
        // decoded while it is written: the file is a plain float model, never held whole in memory
        model.namedModules().forEach((path, m) -> {
            if (m instanceof Linear l && l.isQuantized()) {
                FrozenWeight w = l.frozenWeight();
                data.put(path + ".weight", TensorData.lazyF32(w.shape(), w::dequantize));
            }
        });
        AtomicFiles.write(dir.resolve(WEIGHTS), out -> SafetensorsWriter.write(out, data, meta));
        Map<String, Object> config = new LinkedHashMap<>(info);
        config.put("kiln_format", 1);
        config.put("model", model.config().toMap());
        Map<String, Object> attached = attachedAdapters(model);
        if (!attached.isEmpty()) config.put(ADAPTERS, attached);
        AtomicFiles.writeString(dir.resolve(CONFIG), configText(config));
    }

    /** Reads a model directory onto a backend; the weights must match the config exactly. */
    public static Loaded load(Path dir, Backend backend) throws IOException {
        Path cfgFile = dir.resolve(CONFIG);
        Map<String, Object> config = config(dir);
        TransformerConfig tc = modelConfig(cfgFile, config);
        Transformer model = new Transformer(backend, tc, 0);
        return loadWeights(dir, model, config);
    }

    /** A Kiln model directory's config.json; an error naming the file when it is missing or not an object. */
    public static Map<String, Object> config(Path dir) throws IOException {
        Path cfgFile = dir.resolve(CONFIG);
        if (!Files.isRegularFile(cfgFile)) throw new IOException(cfgFile + ": not found (is " + dir + " a Kiln model directory?)");
        return readConfig(cfgFile);
    }

    /** A model directory's path names one: else an error that says whether nothing or a file is there. */
    public static void requireDirectory(Path dir) throws IOException {
        if (!Files.isDirectory(dir))
            throw new IOException(dir + (Files.exists(dir) ? ": not a directory" : ": no such directory") + " (expected a Kiln model"
                    + " directory with " + CONFIG + ", " + WEIGHTS + " and " + TOKENIZER
                    + ", or a Hugging Face one with config.json, model.safetensors and its tokenizer files)");
    }

    /** The backbone's shape in a Kiln config.json (its {@code model} section). */
    public static TransformerConfig modelConfig(Path cfgFile, Map<String, Object> config) throws IOException {
        Object format = config.get("kiln_format");
        if (format != null && !(format instanceof Number n && n.doubleValue() == 1))
            throw new IOException(cfgFile + ": kiln_format " + format + " is not one this Kiln reads (1); a newer Kiln wrote it?");
        Object section = config.get("model");
        if (section == null)
            throw new IOException(cfgFile + ": neither a Kiln config (key 'model', the backbone's shape) nor a Hugging Face one"
                    + " (key 'model_type', e.g. \"gpt2\", \"bert\", \"llama\"): cannot tell what model this is");
        if (!(section instanceof Map<?, ?>))
            throw new IOException(cfgFile + ": key 'model' must be an object (the backbone's shape), got " + dev.kiln.api.io.JsonObject.describe(section));
        @SuppressWarnings("unchecked")
        Map<String, Object> modelSection = (Map<String, Object>) section;
        TransformerConfig tc;
        try {
            tc = TransformerConfig.fromConfig(new Config(cfgFile + " model", modelSection));
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage().startsWith(cfgFile.toString()) ? e.getMessage() : cfgFile + ": " + e.getMessage(), e);
        }
        return tc;
    }

    private static Loaded loadWeights(Path dir, Transformer model, Map<String, Object> config) throws IOException {
        reattach(model, config.get(ADAPTERS), dir.resolve(CONFIG));
        Map<String, NamedTensor> heads = new LinkedHashMap<>();
        try (SafetensorsFile f = SafetensorsFile.open(dir.resolve(WEIGHTS))) {
            Map<String, Tensor> params = model.namedParameters();
            TreeSet<String> missing = new TreeSet<>(params.keySet()), unexpected = new TreeSet<>();
            for (String name : f.names()) {
                if (name.startsWith(HEADS)) {
                    heads.put(name.substring(HEADS.length()), new NamedTensor(name, f.info(name).intShape(), f.floats(name)));
                    continue;
                }
                Tensor p = params.get(name);
                if (p == null) { unexpected.add(name); continue; }
                int[] shape = f.info(name).intShape();
                if (!java.util.Arrays.equals(shape, p.dims()))      // as transformers' "size mismatch": [64, 192] is not [192, 64]
                    throw new IOException(dir.resolve(WEIGHTS) + ": size mismatch for '" + name + "': the file has shape "
                            + java.util.Arrays.toString(shape) + ", the config expects " + java.util.Arrays.toString(p.dims()));
                float[] data = f.floats(name);
                p.copyFrom(data);
                missing.remove(name);
            }
            if (!missing.isEmpty() || !unexpected.isEmpty())
                throw new IOException(dir.resolve(WEIGHTS) + ": weights do not match " + CONFIG
                        + (missing.isEmpty() ? "" : "; missing: " + missing) + (unexpected.isEmpty() ? "" : "; unexpected: " + unexpected));
        }
        return new Loaded(model, config, heads);
    }

    /**
     * config.json as a mutable map, whole numbers as {@code Integer} where they fit (as the YAML
     * reader gives them); errors name the file.
     */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> readConfig(Path cfgFile) throws IOException {
        Object json = Json.read(cfgFile);
        JsonObject.of(json, cfgFile.toString());                // an object, or an error naming the file
        return (Map<String, Object>) JsonValues.plain(json);
    }

    /**
     * A config file's text ({@link Json#pretty}, no final newline): a whole float or double
     * (rope_theta 10000.0, rope_scaling.factor 8.0) keeps its fraction, as Python's json writes it,
     * so it reads back as a {@code Double} and not as a whole number; sets are written as lists.
     * Hugging Face's config.json is written so too ({@link dev.kiln.runtime.hf.HfExport}).
     */
    public static String configText(Map<String, ?> config) {
        return Json.pretty(keepFloats(config));
    }

    /** {@code v} with each whole float or double below 10^15 as a decimal that prints its fraction; maps and collections copied. */
    private static Object keepFloats(Object v) {
        if (v instanceof Float f && Float.isFinite(f) && f == Math.rint(f) && Math.abs(f) < 1e15f) return new BigDecimal(Float.toString(f));
        if (v instanceof Double d && Double.isFinite(d) && d == Math.rint(d) && Math.abs(d) < 1e15) return new BigDecimal(Double.toString(d));
        if (v instanceof Map<?, ?> m) {
            Map<Object, Object> out = new LinkedHashMap<>();
            for (var e : m.entrySet()) out.put(e.getKey(), keepFloats(e.getValue()));
            return out;
        }
        if (v instanceof Collection<?> c) {
            List<Object> out = new ArrayList<>(c.size());
            for (Object x : c) out.add(keepFloats(x));
            return out;
        }
        return v;
    }

    /** What stays attached to a saved model besides its own weights: soft prompt and prefix lengths. */
    static Map<String, Object> attachedAdapters(Transformer model) {
        Map<String, Object> out = new LinkedHashMap<>();
        if (model.softPrompt() != null) out.put("soft_prompt_tokens", model.softPrompt().tokens());
        if (model.prefixTokens() > 0) out.put("prefix_tokens", model.prefixTokens());
        return out;
    }

    private static void reattach(Transformer model, Object section, Path cfgFile) throws IOException {
        if (section == null) return;
        if (!(section instanceof Map<?, ?> m)) throw new IOException(cfgFile + ": '" + ADAPTERS + "' must be a map, got " + section);
        for (var e : m.entrySet()) {
            if (!(e.getValue() instanceof Number n) || n.intValue() <= 0)
                throw new IOException(cfgFile + ": " + ADAPTERS + "." + e.getKey() + " must be a positive number, got " + e.getValue());
            switch (String.valueOf(e.getKey())) {
                case "soft_prompt_tokens" -> model.attachSoftPrompt(n.intValue());
                case "prefix_tokens" -> model.attachPrefix(n.intValue());
                default -> throw new IOException(cfgFile + ": unknown " + ADAPTERS + " entry '" + e.getKey() + "' (known: soft_prompt_tokens, prefix_tokens)");
            }
        }
    }

    /** Copies saved head tensors (names relative to heads.) into a head's parameters, by name. */
    public static void loadInto(Map<String, Tensor> target, Map<String, NamedTensor> saved, String what) throws IOException {
        for (var e : target.entrySet()) {
            NamedTensor t = saved.get(e.getKey());
            if (t == null) throw new IOException(what + ": no saved tensor '" + e.getKey() + "' (saved: " + new TreeSet<>(saved.keySet()) + ")");
            if (t.data().length != e.getValue().size())
                throw new IOException(what + ": tensor '" + e.getKey() + "' has " + t.data().length + " values, expected shape " + e.getValue().shape());
            e.getValue().copyFrom(t.data());
        }
    }

    static NamedTensor named(String name, Tensor t) {
        return new NamedTensor(name, t.dims(), t.toArray());
    }

    static Map<String, TensorData> toData(List<NamedTensor> tensors) {
        Map<String, TensorData> m = new LinkedHashMap<>();
        for (NamedTensor t : tensors) m.put(t.name(), TensorData.of(t));
        return m;
    }
}
