package dev.kiln.runtime.adapter;

import dev.kiln.api.finetune.ModulesToSave;
import dev.kiln.api.io.AtomicFiles;
import dev.kiln.api.io.DType;
import dev.kiln.api.io.Json;
import dev.kiln.api.io.JsonObject;
import dev.kiln.api.io.SafetensorsFile;
import dev.kiln.api.io.SafetensorsWriter;
import dev.kiln.api.io.TensorData;
import dev.kiln.api.io.TensorInfo;
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
import java.util.TreeSet;

/**
 * Task heads saved inside an adapter directory as PEFT's {@code modules_to_save}: the tensors under
 * {@code base_model.model.<module>.<param>} ({@code base_model.<module>.<param>} for prompt and prefix
 * tuning, whose PEFT model wraps the base directly) and the modules listed in adapter_config.json.
 *
 * <p>Names: the {@code sft} head with {@code pooler: bert} is transformers' {@code BertForSequenceClassification}
 * head, so its modules are {@code classifier} and {@code bert.pooler.dense}; RoBERTa's
 * {@code classifier.dense} / {@code classifier.out_proj} (the same computation) are read as that head too.
 * Any other head keeps Kiln's names with the objective in front ({@code sft.classifier}, {@code mlm.dense}).
 * Heads are keyed as a Kiln model directory keeps them, without {@code heads.} ({@code sft.classifier.weight}).
 */
public final class AdapterHeads {
    static final String SFT_POOLER = "sft.pooler.", SFT_CLASSIFIER = "sft.classifier.";
    /** transformers' module (with the dot) → the Kiln head it is; longest first. */
    private static final Map<String, String> HF_TO_KILN = linked(
            "bert.pooler.dense.", SFT_POOLER, "classifier.dense.", SFT_POOLER, "classifier.out_proj.", SFT_CLASSIFIER, "classifier.", SFT_CLASSIFIER);
    private static final Set<String> PROMPT_LEARNING = Set.of("PROMPT_TUNING", "PREFIX_TUNING", "P_TUNING", "MULTITASK_PROMPT_TUNING");

    private AdapterHeads() {}

    /**
     * Adds {@code heads} (the heads that trained beside the adapter) to the adapter PEFT-style: their
     * tensors into adapter_model.safetensors (in the dtype of the adapter's own tensors) and their
     * modules to {@code modules_to_save} in adapter_config.json. Returns the modules; nothing is
     * written when {@code heads} is empty.
     */
    public static List<String> save(Path adapterDir, Map<String, Tensor> heads) throws IOException {
        if (heads.isEmpty()) return List.of();
        Path cfgFile = adapterDir.resolve(Adapters.CONFIG), weights = adapterDir.resolve(Adapters.WEIGHTS);
        JsonObject json = Json.parseObject(Files.readString(cfgFile, StandardCharsets.UTF_8), cfgFile.toString());
        String prefix = PROMPT_LEARNING.contains(json.string("peft_type")) ? ModulesToSave.PROMPT_LEARNING_PREFIX : ModulesToSave.PREFIX;
        boolean bert = heads.containsKey(SFT_POOLER + "weight");
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        DType dtype = DType.F32;
        try (SafetensorsFile f = SafetensorsFile.open(weights)) {
            boolean first = true;
            for (TensorInfo info : f.infos().values()) {
                if (first) dtype = info.dtype();
                first = false;
                tensors.put(info.name(), TensorData.raw(info.dtype(), info.shape(), f.bytes(info.name())));
            }
        }
        Set<String> modules = new LinkedHashSet<>();
        if (json.strings("modules_to_save") != null) modules.addAll(json.strings("modules_to_save"));
        for (var e : heads.entrySet()) {
            String name = peftName(e.getKey(), bert);
            tensors.put(prefix + name, TensorData.floats(dtype, e.getValue().dims(), e.getValue().toArray()));
            modules.add(name.substring(0, name.lastIndexOf('.')));
        }
        AtomicFiles.write(weights, out -> SafetensorsWriter.write(out, tensors, SafetensorsWriter.PT_METADATA));
        Map<String, Object> config = new LinkedHashMap<>();
        for (String k : json.keys()) config.put(k, json.get(k));
        config.put("modules_to_save", new ArrayList<>(modules));
        AtomicFiles.writeString(cfgFile, Json.write(config) + "\n");
        return new ArrayList<>(modules);
    }

    /** PEFT's name (without the prefix) of a Kiln head tensor. */
    static String peftName(String kiln, boolean bertPooler) {
        if (bertPooler && kiln.startsWith(SFT_POOLER)) return "bert.pooler.dense." + kiln.substring(SFT_POOLER.length());
        if (bertPooler && kiln.startsWith(SFT_CLASSIFIER)) return "classifier." + kiln.substring(SFT_CLASSIFIER.length());
        return kiln;
    }

    /** The Kiln head name of a saved module's tensor (PEFT's name without the prefix). */
    static String kilnName(String peft) {
        for (var e : HF_TO_KILN.entrySet()) if (peft.startsWith(e.getKey())) return e.getValue() + peft.substring(e.getKey().length());
        return peft;
    }

    /**
     * Checks the adapter's {@code modules_to_save} tensors against {@code heads} (each must name a head
     * tensor of the same shape; otherwise an error naming the module and the heads the model has) and
     * returns what copies them in. Nothing is changed until the returned action runs.
     */
    public static Runnable read(Path adapterDir, Map<String, Tensor> heads) throws IOException {
        Path cfgFile = adapterDir.resolve(Adapters.CONFIG), weights = adapterDir.resolve(Adapters.WEIGHTS);
        List<String> modules = ModulesToSave.of(Json.parseObject(Files.readString(cfgFile, StandardCharsets.UTF_8), cfgFile.toString()));
        if (modules.isEmpty()) return () -> {};
        Map<Tensor, float[]> copies = new LinkedHashMap<>();
        try (SafetensorsFile f = SafetensorsFile.open(weights)) {
            for (String key : f.names()) {
                if (!ModulesToSave.contains(modules, key)) continue;
                String peft = key.startsWith(ModulesToSave.PREFIX) ? key.substring(ModulesToSave.PREFIX.length())
                        : key.substring(ModulesToSave.PROMPT_LEARNING_PREFIX.length());
                String module = ModulesToSave.module(key), kiln = kilnName(peft);
                Tensor target = heads.get(kiln);
                if (target == null)
                    throw new IOException(weights + ": module '" + module + "' (modules_to_save) is not in this model: it would be the head tensor '"
                            + kiln + "', and the model's heads are " + (heads.isEmpty() ? "none" : new TreeSet<>(heads.keySet()))
                            + " (load it with the objective whose head it is, e.g. sft, or onto a model directory that has that head)");
                long[] want = Arrays.stream(target.dims()).asLongStream().toArray();
                if (!Arrays.equals(want, f.info(key).shape()))
                    throw new IOException(weights + ": module '" + module + "' (modules_to_save): '" + key + "' has shape "
                            + Arrays.toString(f.info(key).shape()) + " but the model's '" + kiln + "' has " + Arrays.toString(want));
                copies.put(target, f.floats(key));
            }
        }
        return () -> copies.forEach(Tensor::copyFrom);
    }

    private static Map<String, String> linked(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put(kv[i], kv[i + 1]);
        return m;
    }
}
