package dev.kiln.runtime.adapter;

import dev.kiln.api.finetune.FineTunerFactory;
import dev.kiln.api.finetune.LoadedAdapter;
import dev.kiln.api.io.Json;
import dev.kiln.api.io.JsonObject;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.tensor.Tensor;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeSet;

/**
 * Saved adapters (PEFT's {@code save_pretrained} layout: {@code adapter_config.json} +
 * {@code adapter_model.safetensors}) applied to a loaded model by the fine-tuning plugin whose
 * {@link FineTunerFactory#peftTypes} holds the directory's {@code peft_type}. Used by
 * {@code finetune.adapter}, {@code kiln generate/eval --adapter} and {@code kiln export --merge-adapter}.
 */
public final class Adapters {
    public static final String CONFIG = "adapter_config.json", WEIGHTS = "adapter_model.safetensors";
    /** Where a fine-tuning run writes the adapter, under its run directory or its {@code model/}. */
    public static final String RUN_ADAPTER_DIR = "adapter";

    private Adapters() {}

    /** {@code dir} itself when it holds adapter_config.json, else its {@code adapter/} when that does (a run's output). */
    public static Path resolve(Path dir) throws IOException {
        if (Files.isRegularFile(dir.resolve(CONFIG))) return dir;
        if (Files.isRegularFile(dir.resolve(RUN_ADAPTER_DIR).resolve(CONFIG))) return dir.resolve(RUN_ADAPTER_DIR);
        throw new NoSuchFileException(dir.resolve(CONFIG).toString(), null, "not an adapter directory: it holds no " + CONFIG
                + (Files.isDirectory(dir) ? "" : " (no such directory)"));
    }

    /** The directory's {@code peft_type} ({@code LORA}, {@code IA3}, ...); an error naming the file when it is missing. */
    public static String peftType(Path dir) throws IOException {
        Path file = resolve(dir).resolve(CONFIG);
        JsonObject json = Json.parseObject(Files.readString(file, StandardCharsets.UTF_8), file.toString());
        String type = json.string("peft_type");
        if (type == null) throw json.error("peft_type", "is missing (PEFT writes e.g. \"LORA\")");
        return type;
    }

    /** The plugin that loads the directory's adapter; an error naming the type and the types the plugins load. */
    public static FineTunerFactory factoryFor(Path dir, Map<String, FineTunerFactory> fineTuners) throws IOException {
        String type = peftType(dir);
        TreeSet<String> known = new TreeSet<>();
        for (FineTunerFactory f : fineTuners.values()) {
            if (f.peftTypes().contains(type)) return f;
            known.addAll(f.peftTypes());
        }
        throw new IOException(resolve(dir).resolve(CONFIG) + ": peft_type " + type + " is not loaded by any fine-tuning plugin (loaded: "
                + String.join(", ", known) + ")");
    }

    /**
     * Attaches the adapter in {@code dir} (or its {@code adapter/}) to {@code model} under the name
     * {@code default}, frozen; with {@code merge}, then folds it into the base weights where it can
     * (LoRA, IA3; a soft prompt or key/value prefix stays attached). A model without heads: an
     * adapter that saved task heads ({@code modules_to_save}) is refused, naming the module.
     */
    public static LoadedAdapter apply(Map<String, FineTunerFactory> fineTuners, Transformer model, Path dir, boolean merge) throws IOException {
        return apply(fineTuners, model, Map.of(), dir, "default", merge);
    }

    /**
     * As {@link #apply(Map, Transformer, Path, boolean)}, also restoring the task heads the adapter saved
     * ({@code modules_to_save}, see {@link AdapterHeads}) into {@code heads} (Kiln names without
     * {@code heads.}, e.g. {@code sft.classifier.weight}); each must exist with the saved shape.
     */
    public static LoadedAdapter apply(Map<String, FineTunerFactory> fineTuners, Transformer model, Map<String, Tensor> heads, Path dir,
                                      boolean merge) throws IOException {
        return apply(fineTuners, model, heads, dir, "default", merge);
    }

    /** As {@link #apply(Map, Transformer, Map, Path, boolean)}, attached under {@code adapterName}. */
    public static LoadedAdapter apply(Map<String, FineTunerFactory> fineTuners, Transformer model, Map<String, Tensor> heads, Path dir,
                                      String adapterName, boolean merge) throws IOException {
        FineTunerFactory f = factoryFor(dir, fineTuners);
        Runnable restoreHeads = AdapterHeads.read(resolve(dir), heads);     // checked before the model changes
        LoadedAdapter a = f.loadAdapter(model, resolve(dir), adapterName);
        restoreHeads.run();
        if (merge) a.mergeAndUnload();
        return a;
    }

    /**
     * Fills what the plugin writing {@code adapter_config.json} in {@code adapterDir} could not know:
     * {@code base_model_name_or_path} (the model it was trained on) and {@code task_type}, each only
     * where the file has null. Other keys and their order stay as they are.
     */
    public static void recordBase(Path adapterDir, String baseModel, String taskType) throws IOException {
        Path file = adapterDir.resolve(CONFIG);
        Object parsed = Json.parse(Files.readString(file, StandardCharsets.UTF_8), file.toString());
        if (!(parsed instanceof Map<?, ?> m)) throw new IOException(file + ": expected a JSON object");
        Map<String, Object> o = new java.util.LinkedHashMap<>();
        m.forEach((k, v) -> o.put((String) k, v));
        if (o.get("base_model_name_or_path") == null && baseModel != null) o.put("base_model_name_or_path", baseModel);
        if (o.get("task_type") == null && taskType != null) o.put("task_type", taskType);
        dev.kiln.api.io.AtomicFiles.writeString(file, Json.write(o) + "\n");
    }
}
